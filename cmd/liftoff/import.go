package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/liftoff/liftoff/scenario/har"
)

// importOptions are the flags of import har plus the injected env.
type importOptions struct {
	env            *env
	recording      string // a HAR file, or - for stdin
	output         string // empty: stdout
	name           string
	keepAssets     bool
	keepThirdParty bool
	target         string
	includeHosts   []string
}

// newImportCmd is the import command; its subcommands read recordings of
// other tools. runF replaces the har subcommand's run in tests.
func newImportCmd(e *env, runF func(*importOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Turn a recording of real traffic into a scenario",
		Long: `import reads a recording of real traffic and writes a scenario that replays
it. The recording's credentials are never copied: the scenario refers to
environment variables instead, listed in its header comment.`,
		Example: `  liftoff import har examples/shop.har -o shop.yaml`,
		Args:    cobra.ArbitraryArgs,
		// Without a RunE cobra prints the help and exits 0 for an unknown
		// format; a typo should fail.
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("import needs the recording's format, as in: liftoff import har RECORDING.har")
			}
			return usagef("unknown recording format %q (liftoff imports har)", args[0])
		},
	}
	cmd.AddCommand(newImportHARCmd(e, runF))
	return cmd
}

func newImportHARCmd(e *env, runF func(*importOptions) error) *cobra.Command {
	opts := &importOptions{env: e}
	cmd := &cobra.Command{
		Use:   "har RECORDING.har",
		Short: "Turn a browser recording (HAR) into a scenario",
		Long: `har reads a HAR file, as a browser's developer tools export it (Network tab,
Export HAR), and writes a scenario with one journey: the recorded requests
in order, with the recorded pauses as think times.

The target is the site the recording visited: the page the browser
loaded (Sec-Fetch-Dest: document), or, in a recording made after the page
loaded, the recorded page, the page most requests came from (Referer) and
the host most requests went to; never an ad, analytics, beacon or font
service. The import says which it chose and why; --target chooses another.

Only requests to the target's host are kept. Requests to other hosts of
the same site (an API on api.example.com) are left out unless
--include-host names them; requests to other sites (analytics, ads, payment
providers) unless --keep-third-party keeps them all; static assets (images,
stylesheets, scripts, fonts, media) unless --keep-assets. CORS preflights
are always left out: the browser sends them by itself. A load test should
load the site's own pages and API, not a CDN or someone else's service.

Authorization, Cookie and other credential headers, and fields such as a
login form's password, are written as ${HAR_…} references, never as the
recorded values. Export the variables the header comment lists before
run (validate and plan only warn about them). The scenario's traffic, a
gentle first run derived from the journey's length, and its SLO rules are a
starting point, to be set to the campaign's numbers.

The recording is read from standard input when RECORDING.har is -. The
scenario goes to standard output unless -o names a file. See docs/har.md.`,
		Example: `  liftoff import har examples/shop.har -o shop.yaml
  liftoff import har recording.har -o checkout.yaml --name Checkout
  liftoff import har recording.har --target www.example.com --include-host api.example.com -o site.yaml
  liftoff import har recording.har --keep-assets --keep-third-party -o everything.yaml`,
		Args: argsFor(1, 1, "a recording (a HAR file, or - for standard input)", "liftoff import har recording.har"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.recording = args[0]
			if runF != nil {
				return runF(opts)
			}
			return importHARRun(opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.output, "output", "o", "", "write the scenario to `FILE` (atomically) instead of standard output")
	f.StringVar(&opts.name, "name", "", "the scenario's name (default: the recorded page's title, or the site's host)")
	f.BoolVar(&opts.keepAssets, "keep-assets", false, "keep requests for images, stylesheets, scripts, fonts and media")
	f.BoolVar(&opts.keepThirdParty, "keep-third-party", false, "keep requests to every other host and site, as absolute URLs")
	f.StringVar(&opts.target, "target", "", "test `HOST` (or https://HOST), instead of the site the import chooses")
	f.StringSliceVar(&opts.includeHosts, "include-host", nil, "also keep requests to `HOST`, such as the site's API host; *.example.com names every host under it (repeatable)")
	return cmd
}

func importHARRun(opts *importOptions) error {
	var out destination
	if opts.output != "" {
		dests, err := resolveDestinations(opts.env, []namedPath{{"-o", opts.output}}, []namedPath{{"the recording", opts.recording}})
		if err != nil {
			return err
		}
		out = dests[0]
	}
	var in io.Reader = opts.env.In
	name := "standard input"
	if opts.recording != "-" {
		name = opts.recording
		f, err := os.Open(opts.recording)
		if err != nil {
			return inputError("recording", opts.recording, err)
		}
		defer f.Close()
		in = f
	}
	imported, err := har.Import(in, name, har.Options{
		Name:           opts.name,
		KeepAssets:     opts.keepAssets,
		KeepThirdParty: opts.keepThirdParty,
		Target:         opts.target,
		IncludeHosts:   opts.includeHosts,
	})
	if err != nil {
		return err
	}
	e := opts.env
	fmt.Fprintf(e.Err, "target %s: %s; --target chooses another\n", imported.Target, imported.TargetWhy)
	if len(imported.OtherHosts) > 0 {
		fmt.Fprintf(e.Err, "left out: requests to other hosts of the site, %s (--include-host %s keeps them)\n",
			strings.Join(imported.OtherHosts, ", "), imported.OtherHosts[0])
	}
	fmt.Fprintf(e.Err, "starter traffic: %s (set it to the campaign's numbers before a real test)\n", imported.Starter)
	if opts.output == "" {
		_, err := e.Out.Write(imported.YAML)
		return err
	}
	if err := out.write(bytes.NewReader(imported.YAML)); err != nil {
		return err
	}
	fmt.Fprintf(e.Err, "scenario written to %s: read the comments at its top before running it\n", opts.output)
	return nil
}
