// Shared state of the console: who is signed in, and navigation (the router registers itself).

/** session is what every page may read: the user and whether their role may change things. */
export const session = { me: null, canWrite: false };

let router = () => {};
/** setRouter registers the function that renders the current location. */
export function setRouter(f) { router = f; }

/** navigate changes the page without reloading; it resolves when the page is drawn. */
export function navigate(path, replace = false) {
  if (replace) history.replaceState(null, '', path); else history.pushState(null, '', path);
  return router();
}
