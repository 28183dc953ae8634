package main

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestREADMEScenariosValidate keeps the README honest: every YAML block in
// it is a scenario that validates.
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
	for i, b := range blocks {
		path := filepath.Join(t.TempDir(), "readme.yaml")
		if err := os.WriteFile(path, b[1], 0o644); err != nil {
			t.Fatal(err)
		}
		tio := newTestIO(map[string]string{"SHOP_TOKEN": "example-token"})
		if code := tio.liftoff(t.Context(), "validate", path); code != exitGo {
			t.Errorf("README scenario %d does not validate (exit %d):\n%s", i+1, code, tio.err)
		}
	}
}
