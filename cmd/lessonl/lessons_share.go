package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/lessonl/lessonl/team"
	"github.com/lessonl/lessonl/vectorbank"
)

// exportProject writes the lessons of the project in the current directory
// (as optimize names it: the Go module path, else the repository's root)
// into the repository's team file, keeping every lesson already there: a
// teammate's lessons are never dropped by someone else's export.
func exportProject(f *storeFlags, stdout io.Writer) error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	path := vectorbank.ProjectLessonsFile(wd)
	if path == "" {
		return fmt.Errorf("couldn't export the project's lessons: %s is not inside a git repository (run it in your repository, or export to a FILE)", wd)
	}
	var kept []vectorbank.Lesson
	if data, err := os.Open(path); err == nil {
		kept, err = vectorbank.ReadLessons(data)
		data.Close()
		if err != nil {
			return fmt.Errorf("%s: %w (fix the file first: it was left as it is)", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("couldn't read %s: %w", path, err)
	}
	b, err := f.open()
	if err != nil {
		return err
	}
	defer b.Close()
	name := team.ProjectOf(filepath.Join(wd, "lessons.jsonl")) // a file in wd: its directory's project
	mine := b.List(vectorbank.Filter{Project: name})
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("couldn't create %s: %w", filepath.Dir(path), err)
	}
	// The store's copies first: their factors and counters are the fresher.
	n, err := writeFileAtomic(path, func(w io.Writer) error { return vectorbank.WriteLessons(w, append(mine, kept...)) })
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s to %s (%d of project %s from %s, %d already there); commit it for your team\n",
		lessonsN(n), path, len(mine), name, b.Dir(), len(kept))
	return nil
}

// writeFileAtomic writes path through write and returns how many lines it
// wrote. A regular file is written beside and renamed over, so that an
// interrupted export never leaves a half file where a good one was; a
// device, pipe or symlink is written through (renaming over it would replace
// it, as root even /dev/null, with a regular file).
func writeFileAtomic(path string, write func(io.Writer) error) (int, error) {
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		file, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			return 0, fmt.Errorf("couldn't write %s: %w", path, err)
		}
		lc := &lineCounter{w: file}
		err = write(lc)
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return 0, fmt.Errorf("couldn't write %s: %w", path, err)
		}
		return lc.lines, nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".lessons-export-*")
	if err != nil {
		return 0, fmt.Errorf("couldn't write %s: %w (is its directory writable?)", path, err)
	}
	defer os.Remove(tmp.Name())
	lc := &lineCounter{w: tmp}
	err = tmp.Chmod(0o644) // an export is for sharing (CreateTemp makes 0600)
	if err == nil {
		err = write(lc)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return 0, fmt.Errorf("couldn't write %s: %w", path, err)
	}
	return lc.lines, nil
}
