package simtarget

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBoundedEvictsOldest(t *testing.T) {
	t.Parallel()
	b := newBounded[int](3)
	for i, key := range []string{"a", "b", "c", "d", "e"} {
		if !b.add(key, i) {
			t.Fatalf("add(%q) = false for a new key", key)
		}
	}
	if b.add("d", 99) {
		t.Errorf("add(\"d\") = true for a present key, want false")
	}
	got := map[string]int{}
	for _, key := range []string{"a", "b", "c", "d", "e"} {
		if v, ok := b.get(key); ok {
			got[key] = v
		}
	}
	if diff := cmp.Diff(map[string]int{"c": 2, "d": 3, "e": 4}, got); diff != "" {
		t.Errorf("after adding 5 keys to a map of 3 (-want +got):\n%s", diff)
	}
	if b.len() != 3 {
		t.Errorf("len() = %d, want 3", b.len())
	}
}

func TestCartLimits(t *testing.T) {
	t.Parallel()
	var c cart
	if refusal := c.add(catalog()[0], maxLineQty); refusal != "" {
		t.Fatalf("add(99 of product 1) refused: %s", refusal)
	}
	if refusal := c.add(catalog()[0], 1); refusal != "at most 99 of one product fit in a cart" {
		t.Errorf("add(a 100th of product 1) = %q, want the per-product limit", refusal)
	}
	for _, p := range catalog()[1:maxCartLines] {
		if refusal := c.add(p, 1); refusal != "" {
			t.Fatalf("add(product %d) refused: %s", p.ID, refusal)
		}
	}
	if refusal := c.add(catalog()[maxCartLines], 1); refusal != "at most 50 different products fit in a cart" {
		t.Errorf("add(a 51st product) = %q, want the line limit", refusal)
	}
	order := c.view(true)
	if len(order.Items) != maxCartLines || order.Count != maxLineQty+maxCartLines-1 {
		t.Errorf("view(true) = %d lines, %d items, want %d lines, %d items", len(order.Items), order.Count, maxCartLines, maxLineQty+maxCartLines-1)
	}
	if after := c.view(false); len(after.Items) != 0 {
		t.Errorf("cart after checkout has %d lines, want 0", len(after.Items))
	}
}
