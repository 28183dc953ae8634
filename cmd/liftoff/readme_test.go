package main

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestREADMEScenariosValidate keeps the README honest: every YAML block in
// it is a scenario that validates (a fragment, within a minimal scenario).
func TestREADMEScenariosValidate(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllSubmatch(readme, -1)
	if len(blocks) == 0 {
		t.Fatal("the README shows no scenario")
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "data", "customers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range blocks {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, "data"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "data", "customers.csv"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		src := b[1]
		if !regexp.MustCompile(`(?m)^target:`).Match(src) { // a fragment: validate it in a minimal scenario
			src = append([]byte("name: readme\ntarget: sim:shop\ntraffic: { phases: [ { duration: 1m, rate: 1/s } ] }\n"), src...)
		}
		path := filepath.Join(dir, "readme.yaml")
		if err := os.WriteFile(path, src, 0o644); err != nil {
			t.Fatal(err)
		}
		tio := newTestIO(map[string]string{"SHOP_TOKEN": "example-token"})
		if code := tio.liftoff(t.Context(), "validate", path); code != exitGo {
			t.Errorf("README scenario %d does not validate (exit %d):\n%s", i+1, code, tio.err)
		}
	}
}
