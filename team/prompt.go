package team

import (
	"fmt"
	"strings"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/vectorbank"
)

// langName is how prompts name a language.
func langName(lang string) string {
	switch lang {
	case "go":
		return "Go"
	case "c":
		return "C"
	case "cpp":
		return "C++"
	}
	return lang
}

// langWords are the words a prompt uses for what differs between languages:
// what failing looks like, where the context comes from, what a helper
// brings along.
type langWords struct {
	failure, scope, extras string
}

func wordsFor(lang string) langWords {
	switch lang {
	case "c":
		return langWords{failure: "same return values for bad input", scope: "file", extras: "helper functions or #includes"}
	case "cpp":
		return langWords{failure: "same exceptions", scope: "file", extras: "helper functions or #includes"}
	}
	return langWords{failure: "same panics", scope: "package", extras: "helper declarations or imports"}
}

func fenceTag(lang string) string {
	if lang == "cpp" {
		return "cpp"
	}
	return lang
}

const systemPrompt = `You are an expert performance engineer. You rewrite functions so they run faster while computing exactly the same results, including side effects on arguments and panics or errors on bad input. You answer with code in one fenced block and nothing that would not compile.`

// optimizePrompt asks an agent for a faster variant. Every agent of a round
// gets the same lessons and the original code (not the best variant so far),
// as the method prescribes.
func optimizePrompt(f *exec.Func, lessons []vectorbank.Selected, openMP bool) string {
	return optimizePromptWith(f, lessons, openMP, true)
}

// optimizeVersions are the code prompt from fullest to shortest: the
// function's surroundings go first, then lessons from the last (the least
// useful: selection puts the best first). The function itself always stays.
func optimizeVersions(f *exec.Func, lessons []vectorbank.Selected, openMP bool) []version {
	vs := []version{{system: systemPrompt, user: optimizePromptWith(f, lessons, openMP, true)}}
	if strings.TrimSpace(f.Context) != "" {
		vs = append(vs, version{system: systemPrompt, user: optimizePromptWith(f, lessons, openMP, false), note: "the function's surroundings left out"})
	}
	for k := len(lessons) - 1; k >= 0; k-- {
		vs = append(vs, version{system: systemPrompt, user: optimizePromptWith(f, lessons[:k], openMP, false),
			note: fmt.Sprintf("the function's surroundings and %d of %d lessons left out", len(lessons)-k, len(lessons))})
	}
	return vs
}

func optimizePromptWith(f *exec.Func, lessons []vectorbank.Selected, openMP, withContext bool) string {
	var b strings.Builder
	name, w := langName(f.Lang), wordsFor(f.Lang)
	fmt.Fprintf(&b, "Make this %s function faster. It must stay correct for every input: same results, same mutations of its arguments and receiver, %s.\n\n", name, w.failure)
	if openMP && (f.Lang == "c" || f.Lang == "cpp") {
		b.WriteString("The code is compiled with -fopenmp and runs with several threads: you may parallelise it with OpenMP pragmas (include <omp.h> if you call its functions).\n\n")
	}
	if ctx := strings.TrimSpace(f.Context); ctx != "" && withContext {
		fmt.Fprintf(&b, "Its surroundings in the %s (for reference, do not repeat them):\n```%s\n%s\n```\n\n", w.scope, fenceTag(f.Lang), ctx)
	}
	fmt.Fprintf(&b, "The function:\n```%s\n%s\n```\n\n", fenceTag(f.Lang), strings.TrimSpace(f.Source))
	if len(lessons) > 0 {
		b.WriteString("Lessons learned by your team from earlier attempts at this and similar functions:\n")
		for i, s := range lessons {
			fmt.Fprintf(&b, "%d. [%s] %s\n", i+1, category(s.Lesson), oneLine(s.Lesson.Text))
		}
		b.WriteString("\nUse what helped, avoid what broke or slowed the code, and feel free to try other strategies too.\n\n")
	}
	fmt.Fprintf(&b, "Keep the signature %q unchanged. Answer with one ```%s block that contains the complete new function and any %s it needs; do not include tests, a main function or explanations.", f.Signature, fenceTag(f.Lang), w.extras)
	return b.String()
}

// category is the outcome wording the method shows next to each lesson.
func category(l vectorbank.Lesson) string {
	switch l.Outcome {
	case vectorbank.OutcomeFaster:
		return fmt.Sprintf("significantly improves, %.2fx", l.Speedup)
	case vectorbank.OutcomeMarginal:
		return fmt.Sprintf("slightly improves, marginal, %.2fx", l.Speedup)
	case vectorbank.OutcomeSlower:
		return fmt.Sprintf("degrades, %.2fx", l.Speedup)
	case vectorbank.OutcomeIncorrect:
		return "breaks equivalence"
	case vectorbank.OutcomeBuildFailed:
		return "does not build"
	case vectorbank.OutcomeTimeout:
		return "does not finish"
	case vectorbank.OutcomeCrashed:
		return "crashes"
	}
	return string(l.Outcome)
}

// outcomeOf maps a runner report to a lesson outcome. The one boundary rule:
// a correct variant at speedup >= 1.1 is "faster"; at >= 1.0, "marginal".
func outcomeOf(r *exec.Report) vectorbank.Outcome {
	switch r.Verdict {
	case exec.Incorrect, exec.Unverified:
		return vectorbank.OutcomeIncorrect
	case exec.BuildFailed:
		return vectorbank.OutcomeBuildFailed
	case exec.Timeout:
		return vectorbank.OutcomeTimeout
	case exec.Crashed:
		return vectorbank.OutcomeCrashed
	}
	switch {
	case r.Speedup >= fasterThreshold:
		return vectorbank.OutcomeFaster
	case r.Speedup >= 1.0:
		return vectorbank.OutcomeMarginal
	}
	return vectorbank.OutcomeSlower
}

// fasterThreshold is the method's 1.1x line between "significant" and "marginal".
const fasterThreshold = 1.1

// lessonSpeedup is the speedup a lesson records: 0 when the variant failed.
func lessonSpeedup(r *exec.Report) float64 {
	if r == nil || !r.Verdict.Verified() {
		return 0
	}
	return r.Speedup
}

// solicitPrompt asks the agent that wrote a variant to explain its outcome,
// with the facts the runner measured.
func solicitPrompt(f *exec.Func, variant string, r *exec.Report) string {
	return solicitPromptClipped(f, variant, r, 0)
}

const solicitSystem = "You are an expert performance engineer who explains results briefly and precisely."

// solicitVersions are the lesson prompt from fullest to shortest: long code
// keeps its head and tail, and the compiler's or runner's log shrinks with it.
func solicitVersions(f *exec.Func, variant string, r *exec.Report) []version {
	var vs []version
	for _, n := range []int{0, 200, 60, 20} {
		note := ""
		if n > 0 {
			note = fmt.Sprintf("the code shown in the lesson prompt was cut to %d lines", n)
		}
		vs = append(vs, version{system: solicitSystem, user: solicitPromptClipped(f, variant, r, n), note: note})
	}
	return vs
}

// solicitPromptClipped is solicitPrompt with code cut to maxLines lines
// (0: whole).
func solicitPromptClipped(f *exec.Func, variant string, r *exec.Report, maxLines int) string {
	var b strings.Builder
	tag := fenceTag(f.Lang)
	fmt.Fprintf(&b, "Original function A:\n```%s\n%s\n```\n\nYour rewrite B:\n```%s\n%s\n```\n\n", tag, clipLines(strings.TrimSpace(f.Source), maxLines), tag, clipLines(strings.TrimSpace(variant), maxLines))
	switch outcomeOf(r) {
	case vectorbank.OutcomeFaster:
		fmt.Fprintf(&b, "B is correct and %.2fx faster than A (95%% interval %.2fx to %.2fx). In one or two sentences, explain which change makes B faster, so another engineer can apply the idea to other code.", r.Speedup, r.SpeedupLow, r.SpeedupHigh)
	case vectorbank.OutcomeMarginal:
		fmt.Fprintf(&b, "B is correct but only marginally faster than A: %.2fx (95%% interval %.2fx to %.2fx). In one or two sentences, explain why the change gains so little.", r.Speedup, r.SpeedupLow, r.SpeedupHigh)
	case vectorbank.OutcomeSlower:
		fmt.Fprintf(&b, "B is correct but slower than A: %.2fx (95%% interval %.2fx to %.2fx). In one or two sentences, explain why the change makes the code slower.", r.Speedup, r.SpeedupLow, r.SpeedupHigh)
	case vectorbank.OutcomeIncorrect:
		b.WriteString("B is not equivalent to A.")
		if fl := r.Failure; fl != nil {
			if fl.Test != "" {
				fmt.Fprintf(&b, " The test %s fails.", fl.Test)
			}
			if fl.Input != "" {
				fmt.Fprintf(&b, "\nOn input: %s\nA returns: %s\nB returns: %s\n", clip(fl.Input, 600), clip(fl.Original, 400), clip(fl.Variant, 400))
			}
		} else if r.Detail != "" {
			fmt.Fprintf(&b, "\n%s\n", clip(r.Detail, 800))
		}
		b.WriteString(" In one or two sentences, explain why A and B compute different results.")
	case vectorbank.OutcomeBuildFailed:
		fmt.Fprintf(&b, "B does not compile. The compiler says:\n```\n%s\n```\nIn one or two sentences, explain what in B causes this error.", firstLines(r.Detail, logLines(maxLines)))
	case vectorbank.OutcomeTimeout:
		fmt.Fprintf(&b, "B did not finish within the time limit (%s). In one or two sentences, explain why B can run forever or far too long.", clip(r.Detail, 300))
	case vectorbank.OutcomeCrashed:
		fmt.Fprintf(&b, "B crashed: %s. In one or two sentences, explain what in B makes it crash.", clip(firstLines(r.Detail, 8), 600))
	}
	b.WriteString(" Answer with the explanation only: no code.")
	return b.String()
}

// logLines is how much of a compiler log a lesson prompt shows.
func logLines(maxLines int) int {
	if maxLines == 0 {
		return 12
	}
	return min(12, max(maxLines/5, 4))
}

// cleanLesson turns a model's answer into a lesson: code and markup dropped,
// at most three sentences and 600 characters. Empty means no lesson.
func cleanLesson(answer string) string { return cleanLessonCut(answer, false) }

// cleanLessonCut is cleanLesson for an answer that may have been cut: then
// only sentences that visibly ended (a terminator and a space) are kept.
func cleanLessonCut(answer string, cut bool) string {
	answer = strings.ReplaceAll(answer, "\r\n", "\n")
	var kept []string
	inFence := false
	for _, line := range strings.Split(answer, "\n") {
		if _, _, ok := openFence(line); ok {
			inFence = !inFence
			continue
		}
		if !inFence {
			kept = append(kept, strings.TrimSpace(line))
		}
	}
	text := strings.Join(strings.Fields(strings.Join(kept, " ")), " ")
	text = strings.TrimLeft(text, "#*-> ")
	if cut {
		end := 0
		for i := 0; i+1 < len(text); i++ {
			if (text[i] == '.' || text[i] == '!' || text[i] == '?') && text[i+1] == ' ' {
				end = i + 1
			}
		}
		text = text[:end]
	}
	if n := sentenceEnd(text, 3); n > 0 {
		text = text[:n]
	}
	text = clip(text, 600)
	if !hasLetters(text, 12) {
		return ""
	}
	return text
}

// sentenceEnd finds the end of the n-th sentence, or 0.
func sentenceEnd(s string, n int) int {
	for i := 0; i < len(s); i++ {
		if (s[i] == '.' || s[i] == '!' || s[i] == '?') && (i+1 == len(s) || s[i+1] == ' ') {
			n--
			if n == 0 {
				return i + 1
			}
		}
	}
	return 0
}

func hasLetters(s string, min int) bool {
	n := 0
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			n++
		}
	}
	return n >= min
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
