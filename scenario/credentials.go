package scenario

import (
	"encoding/base64"
	"net/url"
	"strings"
)

// A target URL may carry a user and password (https://user:pw@host), as
// curl and browsers accept. The parser takes them out of the URL, so no
// URL that a message or report shows holds them, and sends them as the
// Basic Authorization header they stand for. An Authorization header the
// scenario sets itself wins, and the scenario says so in a warning: the
// credentials are never silently replaced, nor silently replacing.

// withoutUserinfo returns raw, a URL, without its user:password@ part,
// keeping everything else as written.
func withoutUserinfo(raw string) string {
	prefix, rest := "", raw
	if scheme, after, ok := strings.Cut(raw, "://"); ok {
		prefix, rest = scheme+"://", after
	}
	authority := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority = rest[:i]
	}
	at := strings.LastIndex(authority, "@")
	if at < 0 {
		return raw
	}
	return prefix + rest[at+1:]
}

// credentialSecrets records u's user:password, in every form a message
// or a server's echo could show it, as secrets, and returns the Basic
// credential it stands for ("" when u has none).
func (d *decoder) credentialSecrets(u *url.URL) (basic string) {
	if u == nil || u.User == nil {
		return ""
	}
	password, _ := u.User.Password()
	pair := u.User.Username() + ":" + password
	basic = base64.StdEncoding.EncodeToString([]byte(pair))
	for _, s := range []string{password, pair, u.User.String(), basic} {
		if len(s) >= minSecretLen {
			d.secrets = append(d.secrets, s)
		}
	}
	return basic
}

// applyTargetCredentials sends the target URL's credentials as a default
// Authorization header, unless the scenario sets its own, and warns where
// the scenario's own header wins.
func (d *decoder) applyTargetCredentials(sc *Scenario) {
	if d.targetBasic == "" {
		return
	}
	warn := func(msg string) {
		sc.Warnings = append(sc.Warnings, &Error{File: d.file, Line: sc.Target.Line, Path: "target", Msg: msg})
	}
	if hasAuthorization(sc.Defaults.Headers) {
		warn("the target URL's user:password is not sent: defaults.headers sets Authorization, which wins")
		return
	}
	sc.Defaults.Headers = append(sc.Defaults.Headers, Header{Name: "Authorization", Value: "Basic " + d.targetBasic, Secret: true})
	var own []string
	for _, j := range sc.Journeys {
		for _, st := range j.Steps {
			if hasAuthorization(st.Headers) {
				own = append(own, j.Name+"/"+st.Name)
			}
		}
	}
	if len(own) > 0 {
		warn("the target URL's user:password is not sent by steps that set their own Authorization header: " + strings.Join(own, ", "))
	}
}

// HeaderSecrets returns what of a sensitive header's value a message or a
// server's echo may show: the value, and the credentials after its scheme
// ("Bearer tok_…" holds "tok_…").
func HeaderSecrets(value string) []string {
	var out []string
	if len(value) >= minSecretLen {
		out = append(out, value)
	}
	if _, cred, ok := strings.Cut(value, " "); ok && len(cred) >= minSecretLen {
		out = append(out, cred)
	}
	return out
}

func hasAuthorization(hs []Header) bool {
	for _, h := range hs {
		if strings.EqualFold(h.Name, "Authorization") {
			return true
		}
	}
	return false
}
