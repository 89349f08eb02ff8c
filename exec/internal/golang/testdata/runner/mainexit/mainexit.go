// Package mainexit has a TestMain that ends the test binary before any test
// runs (as one waiting for a service would): the runner must not blame the
// variant for it.
package mainexit

// Double doubles x.
func Double(x int) int { return x + x }
