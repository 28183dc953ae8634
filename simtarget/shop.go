package simtarget

import (
	"crypto/rand"
	"fmt"
	"html"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
)

// healthPattern is the one route that bypasses the capacity model.
const healthPattern = "GET /healthz"

// shop is the web shop behind the capacity model: its routes, pages, API
// and server-side state.
type shop struct {
	stats    *counters
	sessions *bounded[*cart] // by login token
	users    *bounded[user]  // by email
	home     []byte          // the home page never changes, so it is rendered once
	userIDs  atomic.Int64
	orderIDs atomic.Int64
}

func newShop(stats *counters) *shop {
	return &shop{
		stats:    stats,
		sessions: newBounded[*cart](maxSessions),
		users:    newBounded[user](maxUsers),
		home:     renderHome(),
	}
}

// routes returns the shop's mux and calls register with every pattern it
// holds, so Stats can count arrivals per pattern. For each path it also
// registers the path without a method, which ServeMux ranks below the
// method patterns, so a wrong method gets the shop's own HTML 405 instead
// of the mux's plain-text one; "/" likewise gives an HTML 404.
func (sh *shop) routes(register func(pattern string)) *http.ServeMux {
	mux := http.NewServeMux()
	handle := func(pattern string, h http.HandlerFunc) {
		mux.HandleFunc(pattern, h)
		register(pattern)
	}
	var paths []string
	methods := map[string][]string{}
	for _, rt := range []struct {
		method, path string
		h            http.HandlerFunc
	}{
		{"GET", "/{$}", sh.homePage},
		{"GET", "/products/{id}", sh.productPage},
		{"GET", "/account", sh.accountPage},
		{"GET", "/login", sh.loginPage},
		{"GET", "/api/products", sh.listProducts},
		{"GET", "/api/products/{id}", sh.getProduct},
		{"GET", "/api/search", sh.search},
		{"POST", "/api/signup", sh.signup},
		{"POST", "/api/login", sh.login},
		{"GET", "/api/cart", sh.authorized(sh.getCart)},
		{"POST", "/api/cart", sh.authorized(sh.addToCart)},
		{"POST", "/api/checkout", sh.authorized(sh.checkout)},
		{"GET", "/healthz", healthz},
	} {
		handle(rt.method+" "+rt.path, rt.h)
		if _, ok := methods[rt.path]; !ok {
			paths = append(paths, rt.path)
		}
		methods[rt.path] = append(methods[rt.path], rt.method)
		if rt.method == "GET" {
			methods[rt.path] = append(methods[rt.path], "HEAD")
		}
	}
	for _, path := range paths {
		slices.Sort(methods[path])
		handle(path, methodNotAllowed(strings.Join(methods[path], ", ")))
	}
	handle("/", func(w http.ResponseWriter, _ *http.Request) {
		writePage(w, http.StatusNotFound, "There is no page at this address.")
	})
	return mux
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writePage(w, http.StatusMethodNotAllowed, "This address does not accept "+html.EscapeString(r.Method)+" requests.")
	}
}

// writePage answers with a small HTML error page. msg is HTML: callers
// escape anything that came from the request.
func writePage(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	text := http.StatusText(code)
	_, _ = fmt.Fprintf(w, "<!doctype html>\n<html><head><title>%d %s</title></head>"+
		"<body><h1>%d %s</h1><p>%s</p><hr><p>Liftoff Shop</p></body></html>\n",
		code, text, code, text, msg)
}

// homePage serves the pre-rendered home page and gives a new visitor a
// session id, as a real shop's front page does.
func (sh *shop) homePage(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie("sid"); err != nil {
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: rand.Text(), Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(sh.home)
}

// accountPage is a page behind a browser log-in: it needs the session
// cookie POST /api/login sets, and sends a visitor without one to /login,
// as a real shop does. It is how tests prove cookies and redirects flow.
func (sh *shop) accountPage(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie("session")
	if err == nil {
		if _, ok := sh.sessions.get(c.Value); ok {
			var b strings.Builder
			pageHead(&b, "Your account")
			b.WriteString("<h2>Your account</h2><p>Your orders and addresses are here.</p>\n")
			pageFoot(&b)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = io.WriteString(w, b.String())
			return
		}
	}
	http.Redirect(w, r, "/login?next=/account", http.StatusFound)
}

// loginPage is where accountPage sends visitors without a session.
func (sh *shop) loginPage(w http.ResponseWriter, _ *http.Request) {
	var b strings.Builder
	pageHead(&b, "Log in")
	b.WriteString("<h2>Log in</h2><form method=\"post\" action=\"/api/login\"><input name=\"email\"><input name=\"password\" type=\"password\"><button>Log in</button></form>\n")
	pageFoot(&b)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = io.WriteString(w, b.String())
}

func (sh *shop) productPage(w http.ResponseWriter, r *http.Request) {
	p, ok := lookupProduct(r.PathValue("id"))
	if !ok {
		writePage(w, http.StatusNotFound, "We have no such product.")
		return
	}
	var b strings.Builder
	pageHead(&b, p.Name)
	fmt.Fprintf(&b, "<article><h2>%s</h2><p class=\"price\">$%s</p>\n", html.EscapeString(p.Name), formatCents(p.cents))
	fmt.Fprintf(&b, "<p>Tags: %s, %s</p>\n", p.Tags[0], p.Tags[1])
	fmt.Fprintf(&b, "<p>The %s is one of our customers' favourites: made to last, "+
		"shipped in two days, and returnable for thirty days.</p>\n", html.EscapeString(p.Name))
	b.WriteString("<p><button disabled>Add to cart</button> (use POST /api/cart)</p></article>\n")
	b.WriteString("<section><h3>You may also like</h3><ul>\n")
	for k := 1; k <= 4; k++ {
		q := catalog()[(p.ID-1+k*37)%catalogSize]
		fmt.Fprintf(&b, "<li><a href=\"/products/%d\">%s</a> $%s</li>\n", q.ID, html.EscapeString(q.Name), formatCents(q.cents))
	}
	b.WriteString("</ul></section>\n")
	pageFoot(&b)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(b.String()))
}

// homeFeatured is how many products the home page links to; it makes the
// page a few KB, like a real front page without its images.
const homeFeatured = 48

func renderHome() []byte {
	var b strings.Builder
	pageHead(&b, "Home")
	b.WriteString("<section><h2>Featured products</h2><ul class=\"products\">\n")
	for _, p := range catalog()[:homeFeatured] {
		fmt.Fprintf(&b, "<li><a href=\"/products/%d\">%s</a> <span class=\"price\">$%s</span></li>\n",
			p.ID, html.EscapeString(p.Name), formatCents(p.cents))
	}
	b.WriteString("</ul></section>\n")
	pageFoot(&b)
	return []byte(b.String())
}

func pageHead(b *strings.Builder, title string) {
	fmt.Fprintf(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s · Liftoff Shop</title>\n"+
		"<style>body{font-family:sans-serif;max-width:50em;margin:auto}.price{color:#070}</style></head>\n"+
		"<body><header><h1><a href=\"/\">Liftoff Shop</a></h1>"+
		"<nav><a href=\"/\">Home</a> · <a href=\"/api/products\">Catalog (JSON)</a> · <a href=\"/api/cart\">Cart</a></nav></header><main>\n",
		html.EscapeString(title))
}

func pageFoot(b *strings.Builder) {
	b.WriteString("</main><footer><p>Liftoff Shop is simulated: a target for load tests.</p></footer></body></html>\n")
}
