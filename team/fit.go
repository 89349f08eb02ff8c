package team

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"

	"github.com/ollama/ollama/api"
)

// Prompts are fitted to each model's context here, deliberately, because
// Ollama would otherwise drop the prompt's start without a word. There is no
// tokenizer endpoint, so sizes are estimated from bytes: at first with a
// conservative rate (code in a BPE vocabulary runs 3-4 bytes a token), then
// with the rate the model's own prompt_eval_count showed.

// defaultTokensPerByte is the estimate before a model has reported any count.
const defaultTokensPerByte = 0.5

// templateTokens is room for the chat template's own tokens.
const templateTokens = 64

func msgBytes(msgs []api.Message) int {
	n := 0
	for _, m := range msgs {
		n += len(m.Content) + 8
	}
	return n
}

// estimate is the number of tokens a model will read for msgs.
func (r *runner) estimate(a Agent, msgs []api.Message) int {
	r.rateMu.Lock()
	rate := r.rate[a.String()]
	r.rateMu.Unlock()
	if rate == 0 {
		rate = defaultTokensPerByte
	}
	return int(float64(msgBytes(msgs))*rate) + templateTokens
}

// learn records what the model really read, with a margin.
func (r *runner) learn(a Agent, msgs []api.Message, promptTokens int) {
	if promptTokens <= 0 {
		return
	}
	rate := 1.1 * float64(promptTokens) / float64(msgBytes(msgs))
	r.rateMu.Lock()
	defer r.rateMu.Unlock()
	if r.rate == nil {
		r.rate = map[string]float64{}
	}
	if rate > r.rate[a.String()] {
		r.rate[a.String()] = rate
	}
}

// doubleRate is the fallback when the server refused a prompt as too long.
func (r *runner) doubleRate(a Agent) {
	r.rateMu.Lock()
	defer r.rateMu.Unlock()
	if r.rate == nil {
		r.rate = map[string]float64{}
	}
	r.rate[a.String()] = 2 * max(r.rate[a.String()], defaultTokensPerByte)
}

// version is one way to write a prompt: the fullest first, then shorter
// ones; note says what a shorter one left out.
type version struct {
	system, user string
	note         string
}

// ask sends the fullest version of a prompt that fits the agent's context
// with room for the answer. A shortened prompt is reported once; when even
// the shortest does not fit, the error says so and what to do.
func (r *runner) ask(ctx context.Context, round int, a Agent, versions []version, o chatOpts) (chatResult, error) {
	o.numCtx = r.numCtx(a)
	o.numPredict = min(o.numPredict, o.numCtx/2)
	budget := o.numCtx - o.numPredict
	for i := 0; i < len(versions); i++ {
		v := versions[i]
		msgs := []api.Message{{Role: "system", Content: v.system}, {Role: "user", Content: v.user}}
		need := r.estimate(a, msgs)
		if need > budget {
			continue
		}
		if v.note != "" {
			r.warn(round, fmt.Sprintf("%s: the prompt was shortened to fit num_ctx %d: %s", a, o.numCtx, v.note))
		}
		res, err := r.call(ctx, a, msgs, o)
		if errors.Is(err, errTooLong) {
			r.doubleRate(a) // our estimate was low: try the next, shorter version
			continue
		}
		if err == nil {
			r.learn(a, msgs, res.PromptTokens)
		}
		return res, err
	}
	last := versions[len(versions)-1]
	need := r.estimate(a, []api.Message{{Content: last.system}, {Content: last.user}})
	return chatResult{}, fmt.Errorf("%s: even the shortest prompt (about %d tokens) does not fit num_ctx %d with %d tokens for the answer: raise the context cap (num_ctx, if the model was trained for more) or pick a model with a longer context", a, need, o.numCtx, o.numPredict)
}

// completeFunc reports whether code, from an answer that was cut, holds the
// whole function name: Go must parse with the function's body; C and C++
// must close every brace they open and end with one.
func completeFunc(code, lang, name string) bool {
	if lang == "go" {
		f, err := parser.ParseFile(token.NewFileSet(), "variant.go", "package p\n"+code, parser.SkipObjectResolution)
		if err != nil {
			return false
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == name && fd.Body != nil {
				return true
			}
		}
		return false
	}
	t := strings.TrimSpace(code)
	if !strings.HasSuffix(t, "}") || !strings.Contains(t, name+"(") {
		return false
	}
	depth := 0
	for _, c := range t {
		switch c {
		case '{':
			depth++
		case '}':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}

// clipLines keeps the head and tail of a long text, saying what it left out.
func clipLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if n <= 0 || len(lines) <= n {
		return s
	}
	head, tail := n*2/3, n-n*2/3
	out := append([]string{}, lines[:head]...)
	out = append(out, fmt.Sprintf("… (%d lines left out) …", len(lines)-head-tail))
	return strings.Join(append(out, lines[len(lines)-tail:]...), "\n")
}
