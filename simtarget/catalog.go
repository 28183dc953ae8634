package simtarget

import (
	"strconv"
	"strings"
	"sync"
)

// catalogSize is the number of products; ids run from 1 to catalogSize.
const catalogSize = 1000

// product is one item of the catalog, in the JSON form the API returns.
type product struct {
	ID    int      `json:"id"`
	Name  string   `json:"name"`
	Price float64  `json:"price"`
	Tags  []string `json:"tags"`
	// cents is Price in cents, so cart totals add exactly.
	cents int
	// lower is Name in lower case, for search.
	lower string
}

// 20 adjectives × 50 nouns name the 1000 products uniquely.
var (
	adjectives = []string{
		"Amber", "Bold", "Cosy", "Crisp", "Dusky", "Eager", "Fresh", "Gentle", "Golden", "Hardy",
		"Indigo", "Jolly", "Lunar", "Mellow", "Nimble", "Olive", "Polar", "Rustic", "Silver", "Velvet",
	}
	nouns = []string{
		"Apron", "Backpack", "Basket", "Beanie", "Blanket", "Bottle", "Bowl", "Candle", "Cap", "Chair",
		"Clock", "Coaster", "Cushion", "Desk Lamp", "Espresso Cup", "Flask", "Frame", "Gloves", "Grinder", "Hammock",
		"Headphones", "Hoodie", "Jacket", "Journal", "Kettle", "Keyring", "Lantern", "Mug", "Notebook", "Pan",
		"Pen", "Pillow", "Planter", "Poster", "Rug", "Scarf", "Sneakers", "Socks", "Speaker", "Sunglasses",
		"Teapot", "Throw", "Tote Bag", "Towel", "Tray", "Umbrella", "Vase", "Wallet", "Watch", "Water Bottle",
	}
	tagNames = []string{
		"bestseller", "eco", "gift", "home", "kitchen", "new", "outdoor", "sale", "travel", "wearable", "office", "limited",
	}
)

// catalog returns the products by id-1. It is built on first use, not at
// package init, because every liftoff command links this package and most
// never serve the shop; once built it is never modified, so handlers share
// it without a lock.
var catalog = sync.OnceValue(newCatalog)

func newCatalog() []product {
	products := make([]product, catalogSize)
	for i := range products {
		id := i + 1
		// Multiplying by primes spreads prices and tags without a random
		// source, so the catalog is the same in every build.
		cents := 499 + (id*7919)%19500
		t1 := id % len(tagNames)
		t2 := (t1 + 1 + (id*31)%(len(tagNames)-1)) % len(tagNames)
		name := adjectives[i%len(adjectives)] + " " + nouns[i/len(adjectives)]
		products[i] = product{
			ID:    id,
			Name:  name,
			Price: float64(cents) / 100,
			Tags:  []string{tagNames[t1], tagNames[t2]},
			cents: cents,
			lower: strings.ToLower(name),
		}
	}
	return products
}

// lookupProduct returns the product whose id is the decimal string id.
func lookupProduct(id string) (product, bool) {
	n, err := strconv.Atoi(id)
	if err != nil || n < 1 || n > catalogSize {
		return product{}, false
	}
	return catalog()[n-1], true
}

// searchProducts returns up to limit products whose name contains q or
// that carry the tag q, ignoring case, and how many matched in all.
func searchProducts(q string, limit int) (found []product, total int) {
	q = strings.ToLower(q)
	found = []product{}
	for _, p := range catalog() {
		if !strings.Contains(p.lower, q) && p.Tags[0] != q && p.Tags[1] != q {
			continue
		}
		total++
		if len(found) < limit {
			found = append(found, p)
		}
	}
	return found, total
}

// formatCents writes cents as a price, such as "12.99".
func formatCents(cents int) string {
	return strconv.Itoa(cents/100) + "." + strconv.Itoa(cents%100/10) + strconv.Itoa(cents%10)
}
