package report

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// These tests open the HTML report in a real browser: headless Chromium
// (the Debian package; .ci/run installs it). The page is served from a
// loopback server that records every request, and the browser's network
// is blocked except for loopback: every host name fails to resolve and
// everything else goes to a dead proxy. The report must render from the
// one request for the page itself. Without a browser the tests skip,
// except under CI=true, where a missing browser is a failure.

// chromium returns the browser to run.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium on PATH, and CI=true: install it (apt-get install chromium; .ci/run does)")
	}
	t.Skip("no Chromium on PATH (apt-get install chromium); CI=true makes this a failure")
	return ""
}

// pageServer serves one page at /report.html and records every request.
type pageServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string
}

func servePage(t *testing.T, page []byte) *pageServer {
	t.Helper()
	ps := &pageServer{}
	ps.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ps.mu.Lock()
		ps.requests = append(ps.requests, r.Method+" "+r.URL.Path)
		ps.mu.Unlock()
		if r.URL.Path != "/report.html" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	t.Cleanup(ps.Close)
	return ps
}

// takeRequests returns the requests seen since the last call.
func (ps *pageServer) takeRequests() []string {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	out := ps.requests
	ps.requests = nil
	return out
}

// browse runs the browser on url with extra arguments (--dump-dom or
// --screenshot) and returns its standard output.
func browse(t *testing.T, browser, url string, extra ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
		"--user-data-dir=" + t.TempDir(),
		// Block the network: no name resolves, and anything not on
		// loopback goes to a proxy that is not there.
		"--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
		"--proxy-server=http://127.0.0.1:9",
		"--window-size=1280,2400",
	}
	args = append(append(args, extra...), url)
	cmd := exec.CommandContext(ctx, browser, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", browser, err, stderr.String())
	}
	return stdout.Bytes()
}

// The browser tests do not run in parallel: a starting browser takes
// every core of a small machine, and the package's real load tests, which
// run in parallel after them, would measure the browser instead of their
// targets.

func TestBrowserRendersReport(t *testing.T) {
	browser := chromium(t)
	doc := fixture(t, "go")
	page := render(t, WriteHTML, doc)
	srv := servePage(t, page)
	url := srv.URL + "/report.html"
	onlyPage := []string{"GET /report.html"}

	dom := string(browse(t, browser, url, "--dump-dom"))
	if diff := cmp.Diff(onlyPage, srv.takeRequests()); diff != "" {
		t.Errorf("loading the report made other requests than the page (-want +got):\n%s", diff)
	}
	r := readinessOf(doc)
	for _, want := range []string{`id="verdict">GO</span>`, htmlText(r.Sentence), "Readiness goals"} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered DOM lacks %q", want)
		}
	}
	if n := strings.Count(dom, "<svg class=\"chart\""); n < 4 {
		t.Errorf("rendered DOM has %d charts, want at least 4", n)
	}
	if n := strings.Count(dom, `<path class="line`); n < 6 {
		t.Errorf("rendered DOM has %d chart lines, want at least 6", n)
	}

	shot := filepath.Join(t.TempDir(), "report.png")
	browse(t, browser, url, "--screenshot="+shot)
	if diff := cmp.Diff(onlyPage, srv.takeRequests()); diff != "" {
		t.Errorf("the screenshot's page load made other requests than the page (-want +got):\n%s", diff)
	}
	// The pixels show the verdict's colour across the top and the
	// charts' blue lines below: the page was laid out and painted.
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	green, blue := 0, 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			switch {
			case y < 150 && near(r, g, bl, 0x13, 0x7a, 0x3e):
				green++
			case y > 600 && near(r, g, bl, 0x25, 0x63, 0xeb):
				blue++
			}
		}
	}
	if green < 20000 {
		t.Errorf("screenshot has %d GO-green pixels at the top, want the verdict band", green)
	}
	if blue < 200 {
		t.Errorf("screenshot has %d chart-blue pixels, want drawn chart lines", blue)
	}
}

// TestBrowserKeepsMarkupInert opens the report of a run whose scenario
// names and target answers are markup (an <img> pointing back at the
// server among them). Had any of it come alive, the browser would have
// asked the server for more than the page, or the DOM would hold it.
func TestBrowserKeepsMarkupInert(t *testing.T) {
	browser := chromium(t)
	srv := servePage(t, render(t, WriteHTML, fixture(t, "xss")))
	dom := string(browse(t, browser, srv.URL+"/report.html", "--dump-dom"))
	if diff := cmp.Diff([]string{"GET /report.html"}, srv.takeRequests()); diff != "" {
		t.Errorf("loading the report made other requests than the page (-want +got):\n%s", diff)
	}
	checkTags(t, dom, htmlTags)
	if !strings.Contains(dom, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the scenario's name is not shown as text")
	}
}

func near(r, g, b uint32, wr, wg, wb int) bool {
	d := func(v uint32, w int) bool { x := int(v>>8) - w; return x > -14 && x < 14 }
	return d(r, wr) && d(g, wg) && d(b, wb)
}

// htmlText is s as the browser serializes text: HTML-escaped.
func htmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// TestBrowserPrintsOnFewFullPages prints each fixture's report to PDF in
// the browser, as a reader's "Save as PDF" does, and reads the pages back
// with pdftotext (poppler-utils; .ci/run installs it): no more than six
// US Letter pages, every page but the last filled to two thirds of its
// height at least (a chart or a section pushed whole onto the next page
// leaves no half-empty page behind), and no text smaller than 7pt,
// chart labels included. pdftotext's word boxes are about 1.16 times the
// font's size.
func TestBrowserPrintsOnFewFullPages(t *testing.T) {
	browser := chromium(t)
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no pdftotext on PATH, and CI=true: install poppler-utils (.ci/run does)")
		}
		t.Skip("no pdftotext on PATH (apt-get install poppler-utils)")
	}
	const maxPages, minFill, minWordHeight = 6, 0.66, 7 * 1.164
	word := regexp.MustCompile(`<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>`)
	for _, name := range []string{"go", "nogo", "inconclusive"} {
		t.Run(name, func(t *testing.T) {
			srv := servePage(t, render(t, WriteHTML, fixture(t, name)))
			dir := t.TempDir()
			pdf := filepath.Join(dir, "report.pdf")
			browse(t, browser, srv.URL+"/report.html", "--print-to-pdf="+pdf, "--no-pdf-header-footer")
			boxes := filepath.Join(dir, "words.html")
			if out, err := exec.CommandContext(t.Context(), pdftotext, "-bbox", pdf, boxes).CombinedOutput(); err != nil {
				t.Fatalf("pdftotext: %v\n%s", err, out)
			}
			data, err := os.ReadFile(boxes)
			if err != nil {
				t.Fatal(err)
			}
			pages := strings.Split(string(data), "<page ")[1:]
			if len(pages) == 0 || len(pages) > maxPages {
				t.Fatalf("printed on %d pages, want 1 to %d", len(pages), maxPages)
			}
			for i, page := range pages {
				var height float64
				if _, err := fmt.Sscanf(page[strings.Index(page, `height="`)+len(`height="`):], "%f", &height); err != nil || height == 0 {
					t.Fatalf("page %d: no height: %v", i+1, err)
				}
				lowest, smallest, small := 0.0, height, ""
				for _, m := range word.FindAllStringSubmatch(page, -1) {
					top, _ := strconv.ParseFloat(m[1], 64)
					bottom, _ := strconv.ParseFloat(m[2], 64)
					lowest = max(lowest, bottom)
					if h := bottom - top; h < smallest {
						smallest, small = h, m[3]
					}
				}
				if i < len(pages)-1 && lowest < minFill*height {
					t.Errorf("page %d of %d: text ends %.0f%% down the page, want at least %.0f%%", i+1, len(pages), 100*lowest/height, 100*minFill)
				}
				if smallest < minWordHeight {
					t.Errorf("page %d: %q prints at about %.1fpt, want at least 7pt", i+1, small, smallest/1.164)
				}
			}
		})
	}
}
