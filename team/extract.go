package team

import (
	"errors"
	"strings"
)

// errNoCode means a model's answer held nothing that looks like code.
var errNoCode = errors.New("the answer contains no code block")

// block is one fenced block of a model's answer.
type block struct {
	tag  string // the info string after the opening fence, lowercased
	body string
}

// extractCode picks the variant out of a model's answer. Small models wrap
// code in prose, emit several blocks (the function, then a usage example),
// mislabel or omit the language tag, paste the whole file, use CRLF, or stop
// mid-block; all of that is tolerated. name is the function's bare name
// (Sum, or Method for methods): the block that declares it wins.
func extractCode(answer, lang, name string) (string, error) {
	answer = strings.ReplaceAll(answer, "\r\n", "\n")
	answer = strings.ReplaceAll(answer, "\r", "\n")
	blocks := fencedBlocks(answer)
	if len(blocks) == 0 {
		// No fences: accept the whole answer only if it declares the function.
		if declares(answer, lang, name) {
			return strings.TrimSpace(answer) + "\n", nil
		}
		return "", errNoCode
	}
	best, bestScore := -1, -1
	for i, b := range blocks {
		score := 0
		if declares(b.body, lang, name) {
			score += 4
		}
		if tagMatches(b.tag, lang) {
			score += 2
		}
		if strings.TrimSpace(b.body) != "" {
			score++
		}
		// Prefer the first of equals: models put the answer before examples.
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	body := strings.TrimSpace(blocks[best].body)
	if body == "" {
		return "", errNoCode
	}
	return body + "\n", nil
}

// fencedBlocks splits text into its ``` or ~~~ fenced blocks. An unclosed
// last fence (a cut answer) runs to the end of the text.
func fencedBlocks(text string) []block {
	var out []block
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		fence, tag, ok := openFence(lines[i])
		if !ok {
			continue
		}
		var body []string
		j := i + 1
		for ; j < len(lines); j++ {
			if closesFence(lines[j], fence) {
				break
			}
			body = append(body, lines[j])
		}
		out = append(out, block{tag: tag, body: strings.Join(body, "\n")})
		i = j
	}
	return out
}

// openFence recognises an opening fence: three or more backticks or tildes,
// optionally indented, followed by an info string.
func openFence(line string) (fence, tag string, ok bool) {
	t := strings.TrimLeft(line, " \t")
	if len(line)-len(t) > 3 {
		return "", "", false
	}
	for _, c := range []byte{'`', '~'} {
		n := 0
		for n < len(t) && t[n] == c {
			n++
		}
		if n >= 3 {
			info := strings.TrimSpace(t[n:])
			if c == '`' && strings.Contains(info, "`") {
				return "", "", false
			}
			if f := strings.Fields(info); len(f) > 0 {
				info = f[0]
			}
			return t[:n], strings.ToLower(strings.Trim(info, "{}.")), true
		}
	}
	return "", "", false
}

// closesFence: a line of only the fence's character, at least as long.
func closesFence(line, fence string) bool {
	t := strings.TrimSpace(line)
	return len(t) >= len(fence) && strings.Trim(t, fence[:1]) == ""
}

func tagMatches(tag, lang string) bool {
	switch lang {
	case "go":
		return tag == "go" || tag == "golang"
	case "c":
		return tag == "c" || tag == "h"
	case "cpp":
		return tag == "cpp" || tag == "c++" || tag == "cc" || tag == "cxx" || tag == "hpp"
	}
	return tag == lang
}

// declares reports whether code seems to declare the function name; it is a
// heuristic for choosing between blocks, not a parser.
func declares(code, lang, name string) bool {
	if name == "" {
		return false
	}
	if lang == "go" {
		for _, line := range strings.Split(code, "\n") {
			l := strings.TrimSpace(line)
			if !strings.HasPrefix(l, "func ") {
				continue
			}
			l = strings.TrimPrefix(l, "func ")
			if strings.HasPrefix(l, "(") { // method: skip the receiver
				if end := strings.Index(l, ")"); end >= 0 {
					l = strings.TrimSpace(l[end+1:])
				}
			}
			if strings.HasPrefix(l, name+"(") || strings.HasPrefix(l, name+"[") {
				return true
			}
		}
		return false
	}
	return strings.Contains(code, name+"(")
}

// bareName is the function's name without receiver: "(*T).Method" -> "Method".
func bareName(fn string) string {
	if i := strings.LastIndex(fn, "."); i >= 0 {
		return fn[i+1:]
	}
	if i := strings.LastIndex(fn, "::"); i >= 0 {
		return fn[i+2:]
	}
	return fn
}
