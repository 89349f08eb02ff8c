package exec

import (
	"fmt"
	"path/filepath"

	"github.com/lessonl/lessonl/exec/internal/core"
	"github.com/lessonl/lessonl/exec/internal/cxx"
	"github.com/lessonl/lessonl/exec/internal/golang"
)

var languages = func() map[string]core.Language {
	m := map[string]core.Language{}
	for _, l := range []core.Language{golang.Lang{}, cxx.New("c"), cxx.New("cpp")} {
		m[l.Name()] = l
	}
	return m
}()

// LangOf names the language of file by its extension. ok is false when the
// runner cannot measure that language (yet); the name is still given when
// known, so messages can say which language is missing.
func LangOf(file string) (lang string, ok bool) {
	lang = core.LangName(file)
	if lang == "" {
		return "", false
	}
	_, ok = languages[lang]
	return lang, ok
}

func languageOf(file string) (core.Language, string, error) {
	name, ok := LangOf(file)
	if !ok {
		if name == "" {
			return nil, "", fmt.Errorf("%s: unknown language (extension %q); the runner measures .go, .c, .h, .cc, .cpp, .cxx and .hpp files", file, filepath.Ext(file))
		}
		return nil, name, fmt.Errorf("%s: the runner cannot measure %s yet; it measures Go, C and C++ files", file, name)
	}
	return languages[name], name, nil
}

// Funcs lists every function with a body in file, in source order. src is the
// file's text; when nil it is read from disk.
func Funcs(file string, src []byte) ([]*Func, error) {
	l, _, err := languageOf(file)
	if err != nil {
		return nil, err
	}
	return l.Funcs(file, src)
}

// FuncAt returns the function whose text (doc comment included) contains the
// byte offset. It wraps ErrNoFunc when there is none.
func FuncAt(file string, src []byte, offset int) (*Func, error) {
	l, _, err := languageOf(file)
	if err != nil {
		return nil, err
	}
	return core.FuncAt(l, file, src, offset)
}

// Locate finds t.Func in t.File (or in t.Source when non-nil). A missing file
// or function is a *NotFoundError listing close matches.
func Locate(t Target) (*Func, error) {
	l, _, err := languageOf(t.File)
	if err != nil {
		return nil, err
	}
	return core.Locate(l, t)
}

// CompilerFor names the C or C++ compiler that would build file (from
// lessonl.toml or the defaults), so a front end can check it is installed
// before any model call.
func CompilerFor(file string, opts Options) (string, error) {
	b, err := cxx.CxxBuildFor(file, opts)
	if err != nil {
		return "", err
	}
	return b.Compiler, nil
}
