package team

import (
	"strings"
	"testing"
)

func TestExtractCode(t *testing.T) {
	const fn = "func Sum(xs []int) int {\n\ts := 0\n\tfor _, x := range xs {\n\t\ts += x\n\t}\n\treturn s\n}"
	tests := []struct {
		name, answer, want string
		wantErr            bool
	}{
		{"plain block", "```go\n" + fn + "\n```", fn, false},
		{"prose around", "Here is a faster version:\n\n```go\n" + fn + "\n```\n\nThis avoids bounds checks.", fn, false},
		{"no tag", "```\n" + fn + "\n```", fn, false},
		{"wrong tag", "```python\n" + fn + "\n```", fn, false},
		{"golang tag", "```golang\n" + fn + "\n```", fn, false},
		{"crlf", strings.ReplaceAll("```go\n"+fn+"\n```\n", "\n", "\r\n"), fn, false},
		{"example block after", "```go\n" + fn + "\n```\nUsage:\n```go\nfmt.Println(Sum([]int{1}))\n```", fn, false},
		{"example block before", "Call it like:\n```go\nx := Sum(nil)\n```\nImplementation:\n```go\n" + fn + "\n```", fn, false},
		{"whole file", "```go\npackage sum\n\nimport \"fmt\"\n\n" + fn + "\n\nfunc helper() { fmt.Println() }\n```",
			"package sum\n\nimport \"fmt\"\n\n" + fn + "\n\nfunc helper() { fmt.Println() }", false},
		{"unclosed fence", "```go\n" + fn, fn, false},
		{"tilde fence", "~~~go\n" + fn + "\n~~~", fn, false},
		{"longer fence with inner backticks", "````go\n" + fn + "\n// ``` inside\n````", fn + "\n// ``` inside", false},
		{"bare code", fn, fn, false},
		{"prose only", "I cannot make this faster; it is already optimal.", "", true},
		{"empty block", "```go\n```", "", true},
		{"empty answer", "", "", true},
		{"indented fence", "  ```go\n" + fn + "\n  ```", fn, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := extractCode(tt.answer, "go", "Sum")
			if tt.wantErr {
				if err == nil {
					t.Fatalf("want an error, got %q", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want+"\n" {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestExtractCodeMethod(t *testing.T) {
	ans := "```go\nfunc helper() {}\n```\n```go\nfunc (s *Stack) Push(v int) { s.items = append(s.items, v) }\n```"
	got, err := extractCode(ans, "go", bareName("(*Stack).Push"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "Push") {
		t.Errorf("picked the wrong block: %q", got)
	}
}

// FuzzExtractCode: no answer makes extraction panic, and whatever it returns
// is a part of the answer (it never invents code).
func FuzzExtractCode(f *testing.F) {
	f.Add("```go\nfunc Sum(xs []int) int { return 0 }\n```")
	f.Add("text\r\n```\r\nfunc Sum() {}\r\n```")
	f.Add("````\n```\n````")
	f.Add("```go")
	f.Add("~~~\n~~~~\n")
	f.Fuzz(func(t *testing.T, answer string) {
		got, err := extractCode(answer, "go", "Sum")
		if err != nil {
			return
		}
		norm := strings.ReplaceAll(strings.ReplaceAll(answer, "\r\n", "\n"), "\r", "\n")
		if !strings.Contains(norm, strings.TrimSpace(got)) {
			t.Fatalf("extracted text not in the answer: %q from %q", got, answer)
		}
	})
}
