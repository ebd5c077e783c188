package junos

import (
	"bytes"
	"encoding/xml"
	"strconv"
)

// el is an RPC element to send. Values are always written through encoding/xml; raw holds
// XML that encoding/xml produced earlier (an edit document, a filter).
type el struct {
	name  string
	attrs []xml.Attr
	text  string
	kids  []*el
	raw   string
}

func mk(name string, kids ...*el) *el { return &el{name: name, kids: kids} }
func txt(name, text string) *el       { return &el{name: name, text: text} }

func (e *el) attr(name, value string) *el {
	e.attrs = append(e.attrs, xml.Attr{Name: xml.Name{Local: name}, Value: value})
	return e
}

func (e *el) encode(b *bytes.Buffer, enc *xml.Encoder) error {
	start := xml.StartElement{Name: xml.Name{Local: e.name}, Attr: e.attrs}
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	if e.text != "" {
		if err := enc.EncodeToken(xml.CharData(e.text)); err != nil {
			return err
		}
	}
	for _, k := range e.kids {
		if err := k.encode(b, enc); err != nil {
			return err
		}
	}
	if e.raw != "" {
		if err := enc.Flush(); err != nil {
			return err
		}
		b.WriteString(e.raw)
	}
	return enc.EncodeToken(start.End())
}

// String renders the element.
func (e *el) String() string {
	var b bytes.Buffer
	enc := xml.NewEncoder(&b)
	if err := e.encode(&b, enc); err != nil {
		// Element names are constants of this package; only a bug can fail here.
		panic("junos: encode rpc: " + err.Error())
	}
	if err := enc.Flush(); err != nil {
		panic("junos: encode rpc: " + err.Error())
	}
	return b.String()
}

func datastoreEl(which, ds string) *el { return mk(which, mk(ds)) }

func rpcLock() string    { return mk("lock", datastoreEl("target", "candidate")).String() }
func rpcUnlock() string  { return mk("unlock", datastoreEl("target", "candidate")).String() }
func rpcDiscard() string { return mk("discard-changes").String() }
func rpcValidate() string {
	return mk("validate", datastoreEl("source", "candidate")).String()
}

func rpcEdit(configXML string) string {
	return mk("edit-config", datastoreEl("target", "candidate"), txt("default-operation", "merge"),
		txt("error-option", "rollback-on-error"), &el{name: "config-placeholder"}).replaceLast(configXML).String()
}

// replaceLast swaps the last child for raw XML (the <config> element built by encoding/xml).
func (e *el) replaceLast(raw string) *el {
	e.kids = e.kids[:len(e.kids)-1]
	e.raw = raw
	return e
}

func rpcCommitConfirmed(seconds int) string {
	return mk("commit", mk("confirmed"), txt("confirm-timeout", strconv.Itoa(seconds))).String()
}

func rpcCommit() string { return mk("commit").String() }

func rpcCommitConfiguration(check bool, log string) string {
	e := mk("commit-configuration")
	if check {
		e.kids = append(e.kids, mk("check"))
	}
	if log != "" {
		e.kids = append(e.kids, txt("log", log))
	}
	return e.String()
}

func rpcGetConfig(source, filterXML string) string {
	e := mk("get-config", datastoreEl("source", source))
	e.raw = filterXML
	return e.String()
}
