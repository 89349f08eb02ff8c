//go:build !unix

package vectorbank

import "os"

// Without flock, one process per store is safe; several may interleave writes.
func flock(*os.File) error   { return nil }
func funlock(*os.File) error { return nil }
