package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/lessonl/lessonl/internal/ollamatest"
	"golang.org/x/tools/txtar"
)

// The CLI's txtar scripts (testdata/measure, testdata/lessons) share one
// language. A script's files are extracted into a fresh $WORK, where its
// commands run; the archive's comment holds the commands, one a line (#
// starts a comment; '...' quotes words, ” inside quotes is a quote; $WORK,
// $OLLAMA and variables set by env expand):
//
//	[!] lessonl ARGS...   run the CLI; ! expects a non-zero exit status
//	status N              the last run exited with N
//	[!] stdout REGEXP     the last run's stdout matches (multi-line mode)
//	[!] stderr REGEXP     likewise for stderr
//	json PATH OP VALUE    a field of the last stdout as JSON: OP is = ~ > >= < <=;
//	                      VALUE may name another field
//	cmp stdout|stderr F   the last output equals file F ($WORK written as $WORK)
//	env K=V               set an environment variable for the rest of the script
//	append F TEXT         append TEXT and a newline to file F
//	[!] exists F          file F exists
//	ollama MODEL DIM      start a scripted Ollama serving an embedding model; sets $OLLAMA
//	serve NAME FILE       start a scripted Ollama from the JSON script FILE; sets
//	                      $NAME (its URL) and $NAME_ADDR (host:port)
//	mark                  count the scripted servers' requests from here on
//	requests NAME PATH OP N  the requests server NAME got since the last mark
//	                      whose path matches PATH (a regexp) number OP N
var updateScripts = flag.Bool("update-scripts", false, "rewrite the cmp files of the txtar scripts with the actual output")

// scriptCLI runs lessonl for a script: args in work, with the environment
// the script set; it returns the outputs and the exit status.
type scriptCLI func(t *testing.T, work string, env map[string]string, args []string) (stdout, stderr string, status int)

// runScript runs one script. prepare, when set, readies the environment
// once $WORK exists (an in-process CLI moves there and sets variables).
func runScript(t *testing.T, file string, cli scriptCLI, prepare func(work string)) {
	file, err := filepath.Abs(file) // the script may run in $WORK
	if err != nil {
		t.Fatal(err)
	}
	ar, err := txtar.ParseFile(file)
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
	if prepare != nil {
		prepare(work)
	}
	vars := map[string]string{"WORK": work}
	servers := map[string]*ollamatest.Server{}
	marks := map[string]int{}
	env := map[string]string{}
	var stdout, stderr string
	status := -1
	updated := false
	defer func() {
		if updated {
			if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
				t.Error(err)
			}
		}
	}()
	for n, raw := range strings.Split(string(ar.Comment), "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		where := fmt.Sprintf("%s:%d: %s", filepath.Base(file), n+1, line)
		neg := false
		if rest, ok := strings.CutPrefix(line, "! "); ok {
			neg, line = true, rest
		}
		words, err := scriptWords(line, func(k string) string { return vars[k] })
		if err != nil {
			t.Fatalf("%s\n%v", where, err)
		}
		switch cmd, args := words[0], words[1:]; cmd {
		case "lessonl":
			stdout, stderr, status = cli(t, work, env, args)
			if (status != 0) != neg {
				t.Fatalf("%s\nexit status %d\nstdout:\n%s\nstderr:\n%s", where, status, stdout, stderr)
			}
		case "status":
			if want, _ := strconv.Atoi(args[0]); status != want {
				t.Fatalf("%s\nexit status %d, want %d\nstdout:\n%s\nstderr:\n%s", where, status, want, stdout, stderr)
			}
		case "stdout", "stderr":
			out := stdout
			if cmd == "stderr" {
				out = stderr
			}
			re, err := regexp.Compile("(?m)" + args[0])
			if err != nil {
				t.Fatalf("%s\n%v", where, err)
			}
			if re.MatchString(out) == neg {
				t.Errorf("%s\n%s does not match as expected:\n%s", where, cmd, out)
			}
		case "json":
			if len(args) < 3 {
				t.Fatalf("%s\nwant json PATH OP VALUE", where)
			}
			// VALUE is the rest of the line: a regular expression may hold spaces.
			if err := checkJSON(stdout, args[0], args[1], strings.Join(args[2:], " ")); err != nil {
				t.Errorf("%s\n%v\nstdout:\n%s", where, err, stdout)
			}
		case "cmp":
			out := stdout
			if args[0] == "stderr" {
				out = stderr
			}
			out = strings.ReplaceAll(out, work, "$WORK")
			if *updateScripts {
				for i := range ar.Files {
					if ar.Files[i].Name == args[1] {
						ar.Files[i].Data = []byte(out)
						updated = true
					}
				}
				continue
			}
			want, err := os.ReadFile(filepath.Join(work, args[1]))
			if err != nil {
				t.Fatalf("%s\n%v", where, err)
			}
			if out != string(want) {
				t.Fatalf("%s\n%s differs from %s\n--- got\n%s--- want\n%s", where, args[0], args[1], out, want)
			}
		case "env":
			k, v, _ := strings.Cut(args[0], "=")
			vars[k], env[k] = v, v
		case "append":
			f, err := os.OpenFile(inWork(work, args[0]), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
			if err == nil {
				_, err = f.WriteString(strings.Join(args[1:], " ") + "\n")
				f.Close()
			}
			if err != nil {
				t.Fatalf("%s\n%v", where, err)
			}
		case "exists":
			_, err := os.Stat(inWork(work, args[0]))
			if (err == nil) == neg {
				t.Fatalf("%s\nexists: %v", where, err)
			}
		case "ollama":
			dim, _ := strconv.Atoi(args[1])
			srv := ollamatest.New(ollamatest.Script{Models: map[string]*ollamatest.Model{args[0]: {Embed: true, EmbedDim: dim}}})
			t.Cleanup(srv.Close)
			vars["OLLAMA"] = srv.URL()
		case "serve":
			sc, err := ollamatest.Load(inWork(work, args[1]))
			if err != nil {
				t.Fatalf("%s\n%v", where, err)
			}
			srv := ollamatest.New(sc)
			t.Cleanup(srv.Close)
			servers[args[0]] = srv
			vars[args[0]] = srv.URL()
			vars[args[0]+"_ADDR"] = strings.TrimPrefix(srv.URL(), "http://")
		case "mark":
			for name, srv := range servers {
				marks[name] = len(srv.Requests())
			}
		case "requests":
			srv, ok := servers[args[0]]
			if !ok || len(args) != 4 {
				t.Fatalf("%s\nwant requests NAME PATH OP N for a server started by serve", where)
			}
			re := regexp.MustCompile(args[1])
			n := 0
			var paths []string
			for _, r := range srv.Requests()[marks[args[0]]:] {
				paths = append(paths, r.Method+" "+r.Path)
				if re.MatchString(r.Path) {
					n++
				}
			}
			want, _ := strconv.Atoi(args[3])
			if !compareInts(n, args[2], want) {
				t.Errorf("%s\n%s got %d requests matching %s, want %s %d; all since the mark: %q", where, args[0], n, args[1], args[2], want, paths)
			}
		default:
			t.Fatalf("%s\nunknown script command %q", where, cmd)
		}
	}
}

func compareInts(got int, op string, want int) bool {
	switch op {
	case "=":
		return got == want
	case ">=":
		return got >= want
	case ">":
		return got > want
	case "<=":
		return got <= want
	case "<":
		return got < want
	}
	return false
}

func inWork(work, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(work, p)
}

// scriptWords splits a line into words: '...' quotes (” inside is a
// quote), and $VAR expands through lookup outside quotes and in.
func scriptWords(line string, lookup func(string) string) ([]string, error) {
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
				words = append(words, os.Expand(cur.String(), lookup))
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
		words = append(words, os.Expand(cur.String(), lookup))
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
		if list, ok := cur.([]any); ok {
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(list) {
				return nil, false
			}
			cur = list[i]
			continue
		}
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
