package exec

// Apply returns t's file (t.Source when non-nil) with variant in place of
// t.Func: the code Measure measured, for an editor (or `optimize --apply`) to
// write. Go files come back gofmt'ed with imports fixed and without the
// runner's //line bookkeeping; C and C++ files get the variant's new
// #includes at the top. Nothing here touches the file. Errors are a
// *NotFoundError, or say why the variant cannot be put in place (it does not
// parse, changes the signature, or changes other declarations).
func Apply(t Target, variant string) ([]byte, error) {
	l, _, err := languageOf(t.File)
	if err != nil {
		return nil, err
	}
	return l.Apply(t, variant)
}
