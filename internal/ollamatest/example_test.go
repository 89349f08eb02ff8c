package ollamatest_test

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/ollama/ollama/api"

	"github.com/lessonl/lessonl/internal/ollamatest"
)

var goBlock = regexp.MustCompile("(?s)```go\n(.*?)```")

// typeCheck reports the type errors of a variant of Sum, compiled alone in a package.
func typeCheck(code string) error {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "variant.go", "package sum\n\n"+code, 0)
	if err != nil {
		return err
	}
	if len(f.Decls) == 0 || f.Decls[0].(*ast.FuncDecl).Name.Name != "Sum" {
		return errMissingSum
	}
	_, err = (&types.Config{}).Check("sum", fset, []*ast.File{f}, nil)
	return err
}

type exampleError string

func (e exampleError) Error() string { return string(e) }

const errMissingSum = exampleError("the variant does not declare func Sum")

// TestExampleScriptVariantsArePlausibleGo checks that every variant in the
// example script is a Go Sum(xs []int) int that type-checks, except the one
// meant not to build, which fails the way its lesson says.
func TestExampleScriptVariantsArePlausibleGo(t *testing.T) {
	s, err := ollamatest.Load("testdata/example.json")
	if err != nil {
		t.Fatal(err)
	}
	chatModels := 0
	for name, m := range s.Models {
		if m.Embed {
			continue
		}
		chatModels++
		texts := append([]string(nil), m.Replies...)
		for _, r := range m.Rules {
			texts = append(texts, r.Reply)
		}
		blocks := 0
		for _, text := range texts {
			for _, sub := range goBlock.FindAllStringSubmatch(text, -1) {
				blocks++
				err := typeCheck(sub[1])
				wantFail := strings.Contains(sub[1], "var total int64")
				switch {
				case wantFail && (err == nil || !strings.Contains(err.Error(), "cannot use total (variable of type int64) as int value")):
					t.Errorf("%s: the non-building variant gives %v, want the int64/int mismatch its lesson explains", name, err)
				case !wantFail && err != nil:
					t.Errorf("%s: variant does not type-check: %v\n%s", name, err, sub[1])
				case !strings.Contains(sub[1], "func Sum(xs []int) int {"):
					t.Errorf("%s: variant changes the signature:\n%s", name, sub[1])
				}
			}
		}
		if blocks < 2 {
			t.Errorf("%s has %d Go variants, want at least one for round 0 and one for later rounds", name, blocks)
		}
	}
	if chatModels != 3 {
		t.Errorf("example has %d chat models, want a team of 3", chatModels)
	}
}

// TestExampleScriptPlaysATeam walks the example through the shape of a
// LessonL run: round 0 without lessons, solicitation, and round 1 where one
// agent improves only because another agent's lesson is in its prompt.
func TestExampleScriptPlaysATeam(t *testing.T) {
	s, err := ollamatest.Load("testdata/example.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range s.Models {
		m.TokensPerSecond = 0 // the pace is for people watching a demo
	}
	_, c := start(t, s)
	ctx := ctxT(t)
	original, err := os.ReadFile("../../examples/sum/sum.go")
	if err != nil {
		t.Fatalf("the example plays a team on examples/sum: %v", err)
	}
	optimize := "Make this Go function faster.\n\nThe function:\n```go\n" + string(original) + "\n```\n\nAnswer with one ```go block."
	solicit := func(variant, outcome string) string {
		return "Original function A:\n```go\n" + string(original) + "\n```\n\nYour rewrite B:\n```go\n" + variant + "\n```\n\n" + outcome
	}
	code := func(reply string) string {
		m := goBlock.FindStringSubmatch(reply)
		if m == nil {
			t.Fatalf("reply has no ```go block: %q", reply)
		}
		return m[1]
	}
	ask := func(model, prompt string) string {
		t.Helper()
		chunks, err := chat(ctx, c, model, true, "You are an expert performance engineer.", prompt)
		if err != nil {
			t.Fatalf("%s: %v", model, err)
		}
		return content(chunks)
	}

	a0 := code(ask("qwen2.5-coder:7b", optimize))
	b0 := code(ask("deepseek-coder:6.7b", optimize))
	c0 := code(ask("qwen2.5-coder:14b", optimize))
	if typeCheck(a0) != nil || typeCheck(b0) != nil || typeCheck(c0) == nil {
		t.Errorf("round 0 should give one building variant each from A and B and a non-building one from C")
	}
	lessonA := ask("qwen2.5-coder:7b", solicit(a0, "B is correct and 1.80x faster than A. In one or two sentences, explain why."))
	lessonB := ask("deepseek-coder:6.7b", solicit(b0, "B is not equivalent to A. On input: [1 2 3]"))
	lessonC := ask("qwen2.5-coder:14b", solicit(c0, "B does not compile. The compiler says: cannot use total"))
	for _, l := range []string{lessonA, lessonB, lessonC} {
		if strings.Contains(l, "```") || len(strings.Fields(l)) < 10 {
			t.Errorf("lesson %q should be a sentence or two without code", l)
		}
	}
	if !strings.Contains(lessonA, "independent accumulators") || !strings.Contains(lessonB, "remainder loop") || !strings.Contains(lessonC, "int64") {
		t.Errorf("lessons do not explain their outcomes: %q / %q / %q", lessonA, lessonB, lessonC)
	}

	withLessons := "Make this Go function faster.\n\nThe function:\n```go\n" + string(original) + "\n```\n\nLessons learned by your team from earlier attempts at this and similar functions:\n" +
		"1. [significantly improves, 1.80x] " + lessonA + "\n2. [breaks equivalence] " + lessonB + "\n3. [does not build] " + lessonC + "\n"
	b1 := code(ask("deepseek-coder:6.7b", withLessons))
	c1 := code(ask("qwen2.5-coder:14b", withLessons))
	if b1 == b0 || !strings.Contains(b1, "xs = xs[4:]") || typeCheck(b1) != nil {
		t.Errorf("with A's lesson, B should answer its better reslicing variant, got:\n%s", b1)
	}
	if typeCheck(c1) != nil {
		t.Errorf("with the lessons, C should answer a building variant, got:\n%s", c1)
	}
}

// A test starts a server with a script, points the real client at it, and
// asserts on what the team sent.
func ExampleNew() {
	srv := ollamatest.New(ollamatest.Script{Models: map[string]*ollamatest.Model{
		"qwen2.5-coder:7b": {
			Rules:   []ollamatest.Rule{{Contains: []string{"lesson X"}, Reply: "variant Y"}},
			Replies: []string{"variant Z"},
		},
	}})
	defer srv.Close()

	u, _ := url.Parse(srv.URL())
	c := api.NewClient(u, http.DefaultClient)
	stream := false
	for _, prompt := range []string{"make it faster", "make it faster; lesson X says ..."} {
		c.Chat(context.Background(), &api.ChatRequest{
			Model: "qwen2.5-coder:7b", Stream: &stream,
			Messages: []api.Message{{Role: "user", Content: prompt}},
			Options:  map[string]any{"temperature": 0.2, "num_ctx": 8192},
		}, func(r api.ChatResponse) error {
			fmt.Println(r.Message.Content)
			return nil
		})
	}
	for _, r := range srv.Requests() {
		fmt.Println(r.Path, r.Rule, r.Options["num_ctx"])
	}
	// Output:
	// variant Z
	// variant Y
	// /api/chat -1 8192
	// /api/chat 0 8192
}
