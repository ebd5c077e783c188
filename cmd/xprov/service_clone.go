package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/spf13/cobra"
	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/client"
	"github.com/xprov/xprov/ui/rest"
)

func serviceCloneCmd(f *clientFlags) *cobra.Command {
	var id, patch, file string
	var rf runFlags
	cmd := &cobra.Command{
		Use:   "clone SOURCE --id NEW [--patch JSON | --file FILE]",
		Short: "Create a new service from an existing one's intent (new pool allocations)",
		Long: "The new service is a create of the source's type from the source's intent with the JSON merge patch " +
			"(RFC 7396) applied. The source's ports and VLANs are taken, so patch the endpoints.",
		Example: `  xprov service clone hq-branch --id hq-branch-2 --patch '{"endpoints":[` +
			`{"device":"pe1","port":"ge-0/0/1","vlan":101},{"device":"sr1","port":"1/1/1","vlan":101}]}'`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			if id == "" {
				return &exitError{code: exitUsage, err: fmt.Errorf("--id is required")}
			}
			in := rest.CloneRequest{ID: id}
			if patch != "" || file != "" {
				if in.Patch, err = readIntent(cmd, file, patch); err != nil {
					return err
				}
			}
			q := url.Values{}
			if rf.dryRun {
				q.Set("dry_run", "true")
			}
			var raw json.RawMessage
			if _, err := c.Do(cmd.Context(), http.MethodPost, "/services/"+url.PathEscape(args[0])+"/clone?"+q.Encode(), in, nil, &raw); err != nil {
				return fail(err)
			}
			var res client.Result
			if rf.dryRun {
				res.Plan = &engine.Plan{}
				err = json.Unmarshal(raw, res.Plan)
			} else {
				res.Run = &store.Run{}
				err = json.Unmarshal(raw, res.Run)
			}
			if err != nil {
				return fmt.Errorf("clone %s: decode the answer: %w", args[0], err)
			}
			return finishRun(cmd.Context(), cmd, f, c, res, rf.noWait)
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "id of the new service")
	cmd.Flags().StringVar(&patch, "patch", "", "JSON merge patch over the source's intent, inline")
	cmd.Flags().StringVarP(&file, "file", "f", "", "JSON merge patch file, - for stdin")
	rf.add(cmd)
	return cmd
}
