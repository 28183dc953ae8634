package simtarget

import (
	"slices"
	"sync"
)

// Limits that keep the shop's memory bounded however long a load test
// runs: each live token holds one cart of at most maxCartLines lines.
const (
	maxSessions  = 100_000
	maxUsers     = 100_000
	maxCartLines = 50
	maxLineQty   = 99
)

// bounded is a map of at most limit entries. Adding a new key to a full
// map evicts the oldest key first, so memory stays fixed however many
// logins or signups a load test makes.
type bounded[V any] struct {
	mu     sync.Mutex
	limit  int
	items  map[string]V
	order  []string // keys in the order they were added; a ring once full
	oldest int      // index in order of the oldest key once the ring is full
}

func newBounded[V any](limit int) *bounded[V] {
	return &bounded[V]{limit: limit, items: make(map[string]V)}
}

func (b *bounded[V]) get(key string) (V, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.items[key]
	return v, ok
}

// add stores v under key and reports true, or reports false and changes
// nothing if key is already present.
func (b *bounded[V]) add(key string, v V) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.items[key]; ok {
		return false
	}
	if len(b.order) < b.limit {
		b.order = append(b.order, key)
	} else {
		delete(b.items, b.order[b.oldest])
		b.order[b.oldest] = key
		b.oldest = (b.oldest + 1) % b.limit
	}
	b.items[key] = v
	return true
}

func (b *bounded[V]) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.items)
}

// user is an account made by POST /api/signup.
type user struct {
	id       int64
	password string
}

// cart is the server-side cart of one login token.
type cart struct {
	mu    sync.Mutex
	lines []cartLine // sorted by product id
}

// cartLine is one product in a cart, in the JSON form the API returns.
type cartLine struct {
	ProductID int     `json:"product_id"`
	Name      string  `json:"name"`
	Price     float64 `json:"price"`
	Qty       int     `json:"qty"`
}

// cartView is a cart as the API returns it.
type cartView struct {
	Items []cartLine `json:"items"`
	Count int        `json:"count"`
	Total float64    `json:"total"`
}

// add puts qty more of p in the cart. It returns a reason the shop cannot,
// or "" if it did.
func (c *cart) add(p product, qty int) (refusal string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i, found := slices.BinarySearchFunc(c.lines, p.ID, func(l cartLine, id int) int { return l.ProductID - id })
	switch {
	case found && c.lines[i].Qty+qty > maxLineQty:
		return "at most 99 of one product fit in a cart"
	case found:
		c.lines[i].Qty += qty
	case len(c.lines) >= maxCartLines:
		return "at most 50 different products fit in a cart"
	default:
		c.lines = slices.Insert(c.lines, i, cartLine{ProductID: p.ID, Name: p.Name, Price: p.Price, Qty: qty})
	}
	return ""
}

// view returns the cart's contents; with empty set, it also empties the
// cart in the same step, as a checkout does.
func (c *cart) view(empty bool) cartView {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := cartView{Items: slices.Clone(c.lines)}
	if v.Items == nil {
		v.Items = []cartLine{}
	}
	cents := 0
	for _, l := range c.lines {
		v.Count += l.Qty
		cents += catalog()[l.ProductID-1].cents * l.Qty
	}
	v.Total = float64(cents) / 100
	if empty {
		c.lines = nil
	}
	return v
}
