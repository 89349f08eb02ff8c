package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

func TestSplitTarget(t *testing.T) {
	for _, tt := range []struct {
		in, file, fn string
		ok           bool
	}{
		{"sum.go:Sum", "sum.go", "Sum", true},
		{"a/b/sum.go:(*List).Len", "a/b/sum.go", "(*List).Len", true},
		{"list.go:List.Len", "list.go", "List.Len", true},
		{"list.go:(*List[T]).Len", "list.go", "(*List[T]).Len", true},
		{`C:\src\sum.go:Sum`, `C:\src\sum.go`, "Sum", true},
		{"dir:with:colons/sum.go:Sum", "dir:with:colons/sum.go", "Sum", true},
		{"sum.go:Süß", "sum.go", "Süß", true},
		{"sum.go", "", "", false},
		{"sum.go:", "", "", false},
		{"sum.go:1Sum", "", "", false},
		{":Sum", "", "", false},
		{"m.cpp:ns::sum", "m.cpp", "ns::sum", true},
		{"m.cpp:sum", "m.cpp", "sum", true},
		{"d:x/grid.cc:Grid::step(int)", "d:x/grid.cc", "Grid::step(int)", true},
		{"v.hpp:Vec<T>::dot", "v.hpp", "Vec<T>::dot", true},
		{"o.cpp:V::operator+=", "o.cpp", "V::operator+=", true},
		{"f.c:f#2", "f.c", "f#2", true},
		{"m.cpp:", "", "", false},
		{"m.cpp:ns::", "", "", false},
	} {
		file, fn, ok := splitTarget(tt.in)
		if file != tt.file || fn != tt.fn || ok != tt.ok {
			t.Errorf("splitTarget(%q) = %q, %q, %v; want %q, %q, %v", tt.in, file, fn, ok, tt.file, tt.fn, tt.ok)
		}
	}
}

// TestMeasureScripts runs the scripts in testdata/measure against the real
// lessonl binary (built once), the real toolchain and the real sandbox. A
// script is a txtar archive: its comment holds commands, its files are the
// work directory. Commands:
//
//	lessonl ARGS...       run the binary in the work directory ($WORK expands)
//	exit N                the last run's exit status
//	[!] stdout|stderr RE  a line of the output matches (or none does)
//	json PATH OP VALUE    a field of the last stdout as JSON: OP is = ~ > >= < <=;
//	                      VALUE may name another field
func TestMeasureScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds lessonl and measures real variants")
	}
	bin := filepath.Join(t.TempDir(), "lessonl")
	if out, err := osexec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("couldn't build lessonl: %v\n%s", err, out)
	}
	scripts, _ := filepath.Glob("testdata/measure/*.txtar")
	if len(scripts) == 0 {
		t.Fatal("no scripts in testdata/measure")
	}
	for _, path := range scripts {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			t.Parallel()
			runMeasureScript(t, bin, path)
		})
	}
}

func runMeasureScript(t *testing.T, bin, path string) {
	ar, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	for _, f := range ar.Files {
		p := filepath.Join(work, f.Name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr string
	code := -1
	for n, line := range strings.Split(string(ar.Comment), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		where := fmt.Sprintf("%s:%d: %s", filepath.Base(path), n+1, line)
		args, err := scriptWords(strings.ReplaceAll(line, "$WORK", work))
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		neg := args[0] == "!"
		if neg {
			args = args[1:]
		}
		switch args[0] {
		case "lessonl":
			cmd := osexec.Command(bin, args[1:]...)
			cmd.Dir = work
			var o, e bytes.Buffer
			cmd.Stdout, cmd.Stderr = &o, &e
			err := cmd.Run()
			stdout, stderr, code = o.String(), e.String(), 0
			var ee *osexec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
		case "exit":
			want, _ := strconv.Atoi(args[1])
			if code != want {
				t.Fatalf("%s: exit status %d\nstdout:\n%s\nstderr:\n%s", where, code, stdout, stderr)
			}
		case "stdout", "stderr":
			out := stdout
			if args[0] == "stderr" {
				out = stderr
			}
			re, err := regexp.Compile("(?m)" + args[1])
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			if re.MatchString(out) == neg {
				t.Errorf("%s: no match (negated: %v) in %s:\n%s", where, neg, args[0], out)
			}
		case "json":
			if err := checkJSON(stdout, args[1], args[2], args[3]); err != nil {
				t.Errorf("%s: %v\nstdout:\n%s", where, err, stdout)
			}
		default:
			t.Fatalf("%s: unknown command %q", where, args[0])
		}
	}
}

// scriptWords splits a line into words; '...' quotes, with ” for a quote.
func scriptWords(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	in, have := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case in && c == '\'' && i+1 < len(line) && line[i+1] == '\'':
			cur.WriteByte('\'')
			i++
		case c == '\'':
			in, have = !in, true
		case !in && (c == ' ' || c == '\t'):
			if have {
				words = append(words, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteByte(c)
			have = true
		}
	}
	if in {
		return nil, errors.New("unterminated quote")
	}
	if have {
		words = append(words, cur.String())
	}
	if len(words) == 0 {
		return nil, errors.New("empty command")
	}
	return words, nil
}

// checkJSON checks field path of the JSON object out against value.
func checkJSON(out, path, op, value string) error {
	var obj map[string]any
	if err := json.Unmarshal([]byte(out), &obj); err != nil {
		return fmt.Errorf("stdout is not one JSON object: %v", err)
	}
	got, ok := jsonField(obj, path)
	if !ok {
		return fmt.Errorf("no field %s", path)
	}
	if op == "~" {
		s := fmt.Sprint(got)
		if b, err := json.Marshal(got); err == nil && !isString(got) {
			s = string(b)
		}
		if !regexp.MustCompile(value).MatchString(s) {
			return fmt.Errorf("%s = %s, want a match for %q", path, s, value)
		}
		return nil
	}
	if op == "=" {
		if fmt.Sprint(got) != value {
			return fmt.Errorf("%s = %v, want %s", path, got, value)
		}
		return nil
	}
	g, ok := got.(float64)
	if !ok {
		return fmt.Errorf("%s = %v is not a number", path, got)
	}
	w, err := strconv.ParseFloat(value, 64)
	if err != nil {
		other, ok := jsonField(obj, value)
		if w, ok = other.(float64); !ok {
			return fmt.Errorf("%q is neither a number nor a numeric field", value)
		}
	}
	var pass bool
	switch op {
	case ">":
		pass = g > w
	case ">=":
		pass = g >= w
	case "<":
		pass = g < w
	case "<=":
		pass = g <= w
	default:
		return fmt.Errorf("unknown operator %q", op)
	}
	if !pass {
		return fmt.Errorf("%s = %v, want %s %v", path, g, op, w)
	}
	return nil
}

func isString(v any) bool { _, ok := v.(string); return ok }

func jsonField(obj map[string]any, path string) (any, bool) {
	var cur any = obj
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}
