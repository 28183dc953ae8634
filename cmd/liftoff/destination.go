package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
)

// An output file never destroys or loses anything. Where each output
// goes is decided, and checked, before a run sends its first request:
//
//   - "-", /dev/stdout and /dev/stderr are the command's own streams;
//   - a regular file, new or existing, is written whole or not at all,
//     through a temporary file renamed over it; a symlink to one keeps
//     being a symlink, and the file it points to is replaced;
//   - anything else that exists (a device such as /dev/null or /dev/full,
//     a FIFO, /dev/fd/N) is written in place, never replaced;
//   - a directory, a missing directory or a file that is not writable is
//     refused, as are two outputs that are one file by different names,
//     or an output that is one of the command's inputs.
type destination struct {
	flag, path string
	stream     io.Writer   // the command's stdout or stderr; nil otherwise
	device     bool        // write path in place (a device, a FIFO, /dev/fd/N)
	file       string      // a regular file's real path, symlinks followed
	mode       fs.FileMode // an existing file's permissions, kept when it is replaced
	existing   os.FileInfo // the file or device as it is now; nil for a new file
}

// fdPath matches the paths that name an open file descriptor: writing
// there must use the descriptor's file as it is, never replace it.
var fdPath = regexp.MustCompile(`^/(dev|proc/self)/fd/[0-9]+$`)

// resolveDestination decides where flag's path goes and checks that it
// can be written there. It writes nothing but a probe file, removed at
// once, in the directory of a regular file.
func resolveDestination(e *env, flag, path string) (destination, error) {
	d := destination{flag: flag, path: path}
	switch filepath.Clean(path) {
	case "-", "/dev/stdout":
		d.stream = e.Out
		return d, nil
	case "/dev/stderr":
		d.stream = e.Err
		return d, nil
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s %s: %s", flag, path, fmt.Sprintf(format, args...))
	}
	info, err := os.Stat(path) // through symlinks
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, lerr := os.Lstat(path); lerr == nil {
			return d, fail("is a symlink to a file that does not exist")
		}
		d.file = path
		return d, probeDir(d, fail)
	case err != nil:
		return d, fail("%v", unwrapPath(err))
	case info.IsDir():
		return d, fail("is a directory; name a file in it, e.g. %s", filepath.Join(path, "results"+filepath.Ext(path)))
	case !info.Mode().IsRegular() || fdPath.MatchString(filepath.Clean(path)):
		d.device, d.existing = true, info
		return d, nil
	}
	d.existing, d.mode = info, info.Mode().Perm()
	if d.file, err = filepath.EvalSymlinks(path); err != nil {
		return d, fail("%v", unwrapPath(err))
	}
	// Renaming over a file needs only the directory's permission: check
	// the file's own, so that a file made read-only stays as it is.
	f, err := os.OpenFile(d.file, os.O_WRONLY, 0)
	if err != nil {
		return d, fail("is not writable: %v", unwrapPath(err))
	}
	f.Close()
	return d, probeDir(d, fail)
}

// probeDir checks that the temporary file of an atomic write can be made
// beside d's file.
func probeDir(d destination, fail func(string, ...any) error) error {
	dir := filepath.Dir(d.file)
	tmp, err := os.CreateTemp(dir, ".liftoff-probe-*")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fail("directory %s does not exist", dir)
		}
		return fail("cannot write in %s: %v", dir, unwrapPath(err))
	}
	tmp.Close()
	os.Remove(tmp.Name())
	return nil
}

// unwrapPath drops the path an *fs.PathError repeats.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// identity names the file d writes, for telling whether two names are
// one file: the real path of a regular file (new ones too); "" for a
// stream or device, which several outputs may share, each write
// following the last.
func (d destination) identity() string {
	if d.file == "" {
		return ""
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(d.file))
	if err != nil {
		dir = filepath.Dir(d.file)
	}
	abs, err := filepath.Abs(filepath.Join(dir, filepath.Base(d.file)))
	if err != nil {
		return d.file
	}
	return abs
}

// sameFile reports whether d writes the existing file at path.
func (d destination) sameFile(path string) bool {
	if d.file == "" || path == "" || path == "-" {
		return false
	}
	in, err := os.Stat(path)
	if err != nil {
		return false
	}
	if d.existing != nil {
		return os.SameFile(d.existing, in)
	}
	return false
}

// resolveDestinations resolves every output, then refuses two that are
// one file, and an output that is one of the inputs (labelled, e.g.
// "the scenario"): writing it would destroy what the command reads.
func resolveDestinations(e *env, outs []namedPath, inputs []namedPath) ([]destination, error) {
	var dests []destination
	var errs []error
	for _, o := range outs {
		d, err := resolveDestination(e, o.name, o.path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		dests = append(dests, d)
	}
	if len(errs) > 0 {
		return nil, usageErrors(errs)
	}
	streams := 0
	for i, d := range dests {
		if d.stream == e.Out {
			if streams++; streams > 1 {
				return nil, usagef("%s %s: standard output takes one output", d.flag, d.path)
			}
		}
		for _, in := range inputs {
			if d.sameFile(in.path) {
				return nil, usagef("%s %s is %s (%s): writing it would replace it", d.flag, d.path, in.name, in.path)
			}
		}
		for _, o := range dests[:i] {
			if id := d.identity(); id != "" && id == o.identity() {
				return nil, usagef("%s %s and %s %s are the same file", o.flag, o.path, d.flag, d.path)
			}
		}
	}
	return dests, nil
}

// namedPath is a path with what it is for: a flag, or an input's label.
type namedPath struct{ name, path string }

func usageErrors(errs []error) error {
	if len(errs) == 1 {
		return &usageError{err: errs[0]}
	}
	return &usageError{err: errors.Join(errs...)}
}

// write puts data where d goes: a *bytes.Reader, or a spool.
func (d destination) write(data io.WriterTo) error {
	switch {
	case d.stream != nil:
		if _, err := data.WriteTo(d.stream); err != nil {
			return fmt.Errorf("write %s: %w", d.path, err)
		}
		return nil
	case d.device:
		// O_APPEND: a /dev/fd path to a file that already holds output
		// (the terminal report, through the same descriptor) keeps it.
		f, err := os.OpenFile(d.path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return fmt.Errorf("write %s: %w", d.path, unwrapPath(err))
		}
		_, err = data.WriteTo(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", d.path, unwrapPath(err))
		}
		return nil
	}
	mode := d.mode
	if d.existing == nil {
		mode = 0o644
	}
	if err := writeFileAtomic(d.file, data, mode); err != nil {
		return fmt.Errorf("write %s: %w", d.path, err)
	}
	return nil
}

// writeFileAtomic writes data to path whole or not at all: it writes a
// temporary file beside path and renames it into place, so a reader (or a
// CI step) never sees half a report, and a failed write leaves any old
// file untouched.
func writeFileAtomic(path string, data io.WriterTo, mode fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return unwrapPath(err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	_, err = data.WriteTo(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), mode)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	return unwrapPath(err)
}
