// Command probe is run inside the sandbox by the sandbox tests: each
// subcommand tries one thing an untrusted variant might do and prints what
// happened, so the test can check it outside.
package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: probe COMMAND [ARGS]")
		os.Exit(2)
	}
	arg := func(i int) string {
		if len(os.Args) > i {
			return os.Args[i]
		}
		return ""
	}
	switch os.Args[1] {
	case "write": // write PATH: try to create PATH
		err := os.WriteFile(arg(2), []byte("escaped\n"), 0o644)
		report(err)
	case "read": // read PATH: print PATH's content
		b, err := os.ReadFile(arg(2))
		if err == nil {
			fmt.Printf("content: %s\n", b)
		}
		report(err)
	case "dial": // dial HOST:PORT
		c, err := net.DialTimeout("tcp", arg(2), 5*time.Second)
		if err == nil {
			c.Write([]byte("hello from the sandbox\n"))
			c.Close()
		}
		report(err)
	case "env": // print the environment
		for _, kv := range os.Environ() {
			fmt.Println(kv)
		}
	case "membomb": // allocate and touch memory until something stops us
		var keep [][]byte
		for {
			b := make([]byte, 64<<20)
			for i := range b {
				if i%4096 == 0 {
					b[i] = 1
				}
			}
			keep = append(keep, b)
		}
	case "forkbomb": // forkbomb MARKER: every process starts copies of itself forever
		for {
			cmd := exec.Command(os.Args[0], os.Args[1:]...)
			_ = cmd.Start()
			time.Sleep(time.Millisecond)
		}
	case "loop": // spin forever
		x := 0
		for {
			x++
		}
	case "children": // children N MARKER: start N sleeping children, say ready, sleep
		n, _ := strconv.Atoi(arg(2))
		for i := 0; i < n; i++ {
			cmd := exec.Command(os.Args[0], "sleep", arg(3))
			if err := cmd.Start(); err != nil {
				report(err)
				return
			}
		}
		fmt.Println("ready")
		time.Sleep(time.Hour)
	case "sleep": // sleep MARKER: sleep for an hour
		time.Sleep(time.Hour)
	case "spew": // spew N: write N bytes to stdout and to stderr
		n, _ := strconv.Atoi(arg(2))
		line := strings.Repeat("x", 1023) + "\n"
		for w := 0; w < n; w += len(line) {
			os.Stdout.WriteString(line)
			os.Stderr.WriteString(line)
		}
		fmt.Fprintln(os.Stderr, "spew done")
	case "exit": // exit CODE
		n, _ := strconv.Atoi(arg(2))
		os.Exit(n)
	case "argv0":
		fmt.Println(os.Args[0])
	case "whoami":
		fmt.Println(os.Getuid(), os.Getgid())
	case "bigfile": // bigfile PATH N: write N bytes to PATH
		n, _ := strconv.Atoi(arg(3))
		f, err := os.Create(arg(2))
		if err != nil {
			report(err)
			return
		}
		_, err = f.Write(make([]byte, n))
		f.Close()
		report(err)
	default:
		fmt.Fprintln(os.Stderr, "probe: unknown command", os.Args[1])
		os.Exit(2)
	}
}

func report(err error) {
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("ok")
}
