package optimize

import "github.com/lessonl/lessonl/vectorbank"

// OutcomeWord is a lesson's outcome in the users' words, the same in every
// front end's text: "same" for a correct variant within the noise, as the
// runner's verdict says (the bank stores "marginal", and JSON keeps it).
func OutcomeWord(o vectorbank.Outcome) string {
	if o == vectorbank.OutcomeMarginal {
		return "same"
	}
	return string(o)
}

// ParseOutcome reads an outcome filter: the users' word or the bank's.
func ParseOutcome(s string) (vectorbank.Outcome, bool) {
	if s == "same" {
		return vectorbank.OutcomeMarginal, true
	}
	o := vectorbank.Outcome(s)
	return o, o.Valid()
}
