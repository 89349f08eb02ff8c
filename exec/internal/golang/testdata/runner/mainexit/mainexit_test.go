package mainexit

import (
	"fmt"
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	if os.Getenv("MAINEXIT_SERVICE") == "" {
		fmt.Println("no service: not running the tests")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestDouble(t *testing.T) {
	if Double(2) != 4 {
		t.Fatal(Double(2))
	}
}
