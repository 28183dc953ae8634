package simtarget

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fastShop is a shop whose capacity model takes no noticeable time, for
// tests of what the shop answers rather than when.
var fastShop = Config{Service: 10 * time.Microsecond, Spread: -1}

func TestEndpoints(t *testing.T) {
	t.Parallel()
	s := startShop(t, fastShop)
	tests := []struct {
		name, method, path, body string
		pattern                  string // the route Stats should count it under
		wantCode                 int
		wantType                 string
		wantBody                 []string // substrings
		wantAllow                string
	}{
		{"home", "GET", "/", "", "GET /{$}", 200, "text/html", []string{`<a href="/products/1">Amber Apron</a>`, `href="/products/48"`}, ""},
		{"home head", "HEAD", "/", "", "GET /{$}", 200, "text/html", nil, ""},
		{"product page", "GET", "/products/42", "", "GET /products/{id}", 200, "text/html", []string{"<h2>Bold Basket</h2>", "$"}, ""},
		{"product page id 0", "GET", "/products/0", "", "GET /products/{id}", 404, "text/html", []string{"<h1>404 Not Found</h1>"}, ""},
		{"product page id 1001", "GET", "/products/1001", "", "GET /products/{id}", 404, "text/html", []string{"<h1>404 Not Found</h1>"}, ""},
		{"product page id word", "GET", "/products/abc", "", "GET /products/{id}", 404, "text/html", nil, ""},
		{"product list", "GET", "/api/products", "", "GET /api/products", 200, "application/json", []string{`"page":1,"per_page":20,"total":1000`, `"id":20,`}, ""},
		{"last product page", "GET", "/api/products?page=50", "", "GET /api/products", 200, "application/json", []string{`"id":1000,`}, ""},
		{"beyond the last page", "GET", "/api/products?page=51", "", "GET /api/products", 200, "application/json", []string{`"products":[]`}, ""},
		{"bad page", "GET", "/api/products?page=x", "", "GET /api/products", 400, "application/json", []string{`"error":`}, ""},
		{"product", "GET", "/api/products/7", "", "GET /api/products/{id}", 200, "application/json", []string{`"id":7,`}, ""},
		{"unknown product", "GET", "/api/products/0", "", "GET /api/products/{id}", 404, "application/json", []string{`{"error":"no such product"}`}, ""},
		{"search a noun", "GET", "/api/search?q=kettle", "", "GET /api/search", 200, "application/json", []string{`"total":20,`, `"name":"Amber Kettle"`}, ""},
		{"search a tag", "GET", "/api/search?q=eco", "", "GET /api/search", 200, "application/json", []string{`"query":"eco"`}, ""},
		{"search nothing", "GET", "/api/search", "", "GET /api/search", 400, "application/json", []string{`"error":"missing query parameter q"`}, ""},
		{"signup bad json", "POST", "/api/signup", "{", "POST /api/signup", 400, "application/json", []string{`"error":`}, ""},
		{"signup no password", "POST", "/api/signup", `{"email":"a@example.com"}`, "POST /api/signup", 400, "application/json", []string{"required"}, ""},
		{"login empty", "POST", "/api/login", `{}`, "POST /api/login", 400, "application/json", []string{"required"}, ""},
		{"cart without token", "GET", "/api/cart", "", "GET /api/cart", 401, "application/json", []string{"Bearer"}, ""},
		{"checkout without token", "POST", "/api/checkout", "", "POST /api/checkout", 401, "application/json", []string{"Bearer"}, ""},
		{"unknown path", "GET", "/admin", "", "/", 404, "text/html", []string{"<h1>404 Not Found</h1>"}, ""},
		{"post to home", "POST", "/", "", "/{$}", 405, "text/html", []string{"<h1>405 Method Not Allowed</h1>", "POST"}, "GET, HEAD"},
		{"delete the cart", "DELETE", "/api/cart", "", "/api/cart", 405, "text/html", nil, "GET, HEAD, POST"},
		{"get checkout", "GET", "/api/checkout", "", "/api/checkout", 405, "text/html", nil, "POST"},
		{"health", "GET", "/healthz", "", "GET /healthz", 200, "text/plain", []string{"ok\n"}, ""},
	}
	t.Run("cases", func(t *testing.T) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				req, err := http.NewRequest(tc.method, s.URL()+tc.path, strings.NewReader(tc.body))
				if err != nil {
					t.Fatal(err)
				}
				code, header, body := do(t, http.DefaultClient, req)
				if code != tc.wantCode {
					t.Errorf("%s %s = %d, want %d; body:\n%s", tc.method, tc.path, code, tc.wantCode, body)
				}
				if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, tc.wantType) {
					t.Errorf("%s %s Content-Type = %q, want %s", tc.method, tc.path, ct, tc.wantType)
				}
				for _, want := range tc.wantBody {
					if !strings.Contains(body, want) {
						t.Errorf("%s %s body does not contain %q:\n%s", tc.method, tc.path, want, body)
					}
				}
				if allow := header.Get("Allow"); allow != tc.wantAllow {
					t.Errorf("%s %s Allow = %q, want %q", tc.method, tc.path, allow, tc.wantAllow)
				}
			})
		}
	})

	st := s.Stats()
	wantRoutes := map[string]int64{}
	for pattern := range st.Routes {
		wantRoutes[pattern] = 0
	}
	for _, tc := range tests {
		wantRoutes[tc.pattern]++
	}
	if diff := cmp.Diff(wantRoutes, st.Routes); diff != "" {
		t.Errorf("Stats().Routes (-want +got):\n%s", diff)
	}
	if st.Requests != int64(len(tests)-1) || st.Health != 1 || st.Unauthorized != 2 {
		t.Errorf("Stats() = %+v, want %d requests, 1 health check, 2 unauthorized", st, len(tests)-1)
	}
}

func TestProductJSON(t *testing.T) {
	t.Parallel()
	s := startShop(t, fastShop)
	code, _, body := get(t, http.DefaultClient, s.URL()+"/api/products/1")
	if code != http.StatusOK {
		t.Fatalf("GET /api/products/1 = %d, want 200", code)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("GET /api/products/1 body is not JSON: %v\n%s", err, body)
	}
	want := map[string]any{"id": 1.0, "name": "Amber Apron", "price": 84.18, "tags": []any{"eco", "limited"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GET /api/products/1 (-want +got):\n%s", diff)
	}
}

func TestSessionCookie(t *testing.T) {
	t.Parallel()
	s := startShop(t, fastShop)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar}
	_, header, _ := get(t, client, s.URL()+"/")
	first := header.Get("Set-Cookie")
	if !strings.HasPrefix(first, "sid=") || !strings.Contains(first, "HttpOnly") {
		t.Errorf("first GET / Set-Cookie = %q, want sid=…; HttpOnly", first)
	}
	if _, header, _ = get(t, client, s.URL()+"/"); header.Get("Set-Cookie") != "" {
		t.Errorf("GET / with a sid cookie Set-Cookie = %q, want none", header.Get("Set-Cookie"))
	}
}

func TestCheckoutJourney(t *testing.T) {
	t.Parallel()
	s := startShop(t, fastShop)
	c := &apiClient{t: t, url: s.URL()}

	c.want("signup", "POST", "/api/signup", `{"email":"ada@example.com","password":"lovelace"}`, 201)
	if c.body["email"] != "ada@example.com" || c.body["id"] == nil {
		t.Errorf("signup body = %v, want id and email", c.body)
	}
	c.want("signup again", "POST", "/api/signup", `{"email":"ada@example.com","password":"other"}`, 409)
	c.want("wrong password", "POST", "/api/login", `{"email":"ada@example.com","password":"babbage"}`, 401)
	c.want("login", "POST", "/api/login", `{"email":"ada@example.com","password":"lovelace"}`, 200)
	token, _ := c.body["token"].(string)
	if token == "" {
		t.Fatalf("login body = %v, want a token", c.body)
	}
	if cookie := c.header.Get("Set-Cookie"); !strings.HasPrefix(cookie, "session="+token+";") || !strings.Contains(cookie, "HttpOnly") {
		t.Errorf("login Set-Cookie = %q, want session=<token>; …; HttpOnly", cookie)
	}

	c.token = token
	c.want("empty cart", "GET", "/api/cart", "", 200)
	c.wantBody(`{"count":0,"items":[],"total":0}`)
	c.want("checkout empty cart", "POST", "/api/checkout", "", 409)
	c.want("add two of product 3", "POST", "/api/cart", `{"product_id":3,"qty":2}`, 200)
	c.want("add one of product 5", "POST", "/api/cart", `{"product_id":5}`, 200)
	price3, price5 := catalog()[2].cents, catalog()[4].cents
	c.wantBody(map[string]any{
		"count": 3.0,
		"total": float64(2*price3+price5) / 100,
		"items": []any{
			map[string]any{"product_id": 3.0, "name": catalog()[2].Name, "price": catalog()[2].Price, "qty": 2.0},
			map[string]any{"product_id": 5.0, "name": catalog()[4].Name, "price": catalog()[4].Price, "qty": 1.0},
		},
	})
	c.want("add unknown product", "POST", "/api/cart", `{"product_id":1001,"qty":1}`, 404)
	c.want("add too many", "POST", "/api/cart", `{"product_id":3,"qty":100}`, 400)
	c.want("checkout", "POST", "/api/checkout", "", 201)
	if c.body["order_id"] == nil || c.body["count"] != 3.0 {
		t.Errorf("checkout body = %v, want an order_id and count 3", c.body)
	}
	c.want("cart is empty after checkout", "POST", "/api/checkout", "", 409)

	c.token = "not-a-token"
	c.want("checkout with unknown token", "POST", "/api/checkout", "", 401)
	c.token = ""
	c.want("guest login with any password", "POST", "/api/login", `{"email":"grace@example.com","password":"anything"}`, 200)

	if st := s.Stats(); st.Unauthorized != 2 || st.Routes["POST /api/checkout"] != 4 {
		t.Errorf("Stats() = %+v, want 2 unauthorized and 4 checkouts", st)
	}
}

// apiClient runs one step of a JSON journey at a time and keeps the last
// answer, so a journey test reads as a list of steps.
type apiClient struct {
	t      *testing.T
	url    string
	token  string
	header http.Header
	raw    string
	body   map[string]any
}

func (c *apiClient) want(step, method, path, body string, code int) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.url+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	got, header, raw := do(c.t, http.DefaultClient, req)
	c.header, c.raw, c.body = header, raw, nil
	if got != code {
		c.t.Fatalf("%s: %s %s = %d, want %d; body:\n%s", step, method, path, got, code, raw)
	}
	if err := json.Unmarshal([]byte(raw), &c.body); err != nil {
		c.t.Fatalf("%s: %s %s body is not a JSON object: %v\n%s", step, method, path, err, raw)
	}
}

// wantBody compares the last answer with want: a JSON string, or a value
// as encoding/json decodes it.
func (c *apiClient) wantBody(want any) {
	c.t.Helper()
	if s, ok := want.(string); ok {
		if err := json.Unmarshal([]byte(s), &want); err != nil {
			c.t.Fatal(err)
		}
	}
	if diff := cmp.Diff(want, any(c.body)); diff != "" {
		c.t.Errorf("body (-want +got):\n%s", diff)
	}
}

// do sends req and returns the status, headers and body.
func do(t *testing.T, client *http.Client, req *http.Request) (code int, header http.Header, body string) {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s error: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL.Path, err)
	}
	return resp.StatusCode, resp.Header, string(b)
}
