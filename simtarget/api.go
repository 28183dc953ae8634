package simtarget

import (
	"crypto/rand"
	"encoding/json"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
)

// Sizes of the JSON API.
const (
	pageSize       = 20
	searchLimit    = 20
	maxBodyBytes   = 64 << 10
	maxEmailLen    = 254
	maxPasswordLen = 128
)

func writeJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Every value passed here is a plain struct of strings and numbers.
		panic("simtarget: cannot encode API response: " + err.Error())
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(body, '\n'))
}

// apiError answers an API request with {"error": msg}: the JSON API
// reports its own refusals in JSON, while the capacity model and the
// router answer with HTML pages, as a proxy in front of a real API would.
func apiError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, struct {
		Error string `json:"error"`
	}{msg})
}

// decodeJSON reads r's body into v, answering 400 and reporting false if
// it is not one JSON value of at most maxBodyBytes.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err := dec.Decode(v); err != nil {
		apiError(w, http.StatusBadRequest, "the body must be a JSON object of at most 64 KiB")
		return false
	}
	return true
}

func (sh *shop) listProducts(w http.ResponseWriter, r *http.Request) {
	page := 1
	if v := r.URL.Query().Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			apiError(w, http.StatusBadRequest, "page must be a whole number from 1")
			return
		}
		page = n
	}
	products := []product{}
	if page <= catalogSize/pageSize {
		products = catalog()[(page-1)*pageSize : page*pageSize]
	}
	writeJSON(w, http.StatusOK, struct {
		Page     int       `json:"page"`
		PerPage  int       `json:"per_page"`
		Total    int       `json:"total"`
		Products []product `json:"products"`
	}{page, pageSize, catalogSize, products})
}

func (sh *shop) getProduct(w http.ResponseWriter, r *http.Request) {
	p, ok := lookupProduct(r.PathValue("id"))
	if !ok {
		apiError(w, http.StatusNotFound, "no such product")
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (sh *shop) search(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		apiError(w, http.StatusBadRequest, "missing query parameter q")
		return
	}
	found, total := searchProducts(q, searchLimit)
	writeJSON(w, http.StatusOK, struct {
		Query   string    `json:"query"`
		Total   int       `json:"total"`
		Results []product `json:"results"`
	}{q, total, found})
}

// credentials is the body of signup and login.
type credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// readCredentials decodes and checks credentials, answering 400 and
// reporting false if they are unusable.
func readCredentials(w http.ResponseWriter, r *http.Request) (credentials, bool) {
	var c credentials
	if !decodeJSON(w, r, &c) {
		return c, false
	}
	if c.Email == "" || c.Password == "" {
		apiError(w, http.StatusBadRequest, "email and password are required")
		return c, false
	}
	if len(c.Email) > maxEmailLen || len(c.Password) > maxPasswordLen {
		apiError(w, http.StatusBadRequest, "email or password is too long")
		return c, false
	}
	return c, true
}

type userView struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
}

func (sh *shop) signup(w http.ResponseWriter, r *http.Request) {
	c, ok := readCredentials(w, r)
	if !ok {
		return
	}
	id := sh.userIDs.Add(1)
	if !sh.users.add(c.Email, user{id: id, password: c.Password}) {
		apiError(w, http.StatusConflict, "this email is already registered")
		return
	}
	writeJSON(w, http.StatusCreated, userView{id, c.Email})
}

// login accepts the password an email signed up with and, for an email
// that never signed up (or whose signup was evicted), any password, so a
// load test can log in from a data file without a signup step.
func (sh *shop) login(w http.ResponseWriter, r *http.Request) {
	c, ok := readCredentials(w, r)
	if !ok {
		return
	}
	u, known := sh.users.get(c.Email)
	if known && u.password != c.Password {
		sh.stats.unauthorized.Add(1)
		apiError(w, http.StatusUnauthorized, "wrong email or password")
		return
	}
	if !known {
		u.id = guestID(c.Email)
	}
	token := rand.Text()
	sh.sessions.add(token, new(cart))
	http.SetCookie(w, &http.Cookie{Name: "session", Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	writeJSON(w, http.StatusOK, struct {
		Token string   `json:"token"`
		User  userView `json:"user"`
	}{token, userView{u.id, c.Email}})
}

// guestID gives an email that never signed up a stable id above any
// signup's, so the same customer gets the same id in every login.
func guestID(email string) int64 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(email))
	return 1<<32 + int64(h.Sum32())
}

// authorized runs next with the cart of the request's bearer token, or
// answers 401 if there is no live token.
func (sh *shop) authorized(next func(http.ResponseWriter, *http.Request, *cart)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		var c *cart
		if ok {
			c, ok = sh.sessions.get(token)
		}
		if !ok {
			sh.stats.unauthorized.Add(1)
			w.Header().Set("WWW-Authenticate", `Bearer realm="shop"`)
			apiError(w, http.StatusUnauthorized, "log in first: send Authorization: Bearer <token from POST /api/login>")
			return
		}
		next(w, r, c)
	}
}

func (sh *shop) getCart(w http.ResponseWriter, _ *http.Request, c *cart) {
	writeJSON(w, http.StatusOK, c.view(false))
}

func (sh *shop) addToCart(w http.ResponseWriter, r *http.Request, c *cart) {
	var item struct {
		ProductID int `json:"product_id"`
		Qty       int `json:"qty"`
	}
	if !decodeJSON(w, r, &item) {
		return
	}
	if item.Qty == 0 {
		item.Qty = 1
	}
	if item.Qty < 1 || item.Qty > maxLineQty {
		apiError(w, http.StatusBadRequest, "qty must be from 1 to 99")
		return
	}
	p, ok := lookupProduct(strconv.Itoa(item.ProductID))
	if !ok {
		apiError(w, http.StatusNotFound, "no such product")
		return
	}
	if refusal := c.add(p, item.Qty); refusal != "" {
		apiError(w, http.StatusConflict, refusal)
		return
	}
	writeJSON(w, http.StatusOK, c.view(false))
}

func (sh *shop) checkout(w http.ResponseWriter, _ *http.Request, c *cart) {
	order := c.view(true)
	if len(order.Items) == 0 {
		apiError(w, http.StatusConflict, "the cart is empty")
		return
	}
	writeJSON(w, http.StatusCreated, struct {
		OrderID int64   `json:"order_id"`
		Count   int     `json:"count"`
		Total   float64 `json:"total"`
	}{sh.orderIDs.Add(1), order.Count, order.Total})
}
