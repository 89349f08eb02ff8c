// Package ollamahost is the one reading of an Ollama host: the --host flag,
// the ollamaHost setting, OLLAMA_HOST and MODEL@HOST all go through Parse, so
// chat, embeddings and doctor's checks reach the same server for one value.
// The rule is Ollama's own client's (its envconfig.Host): a bare host gets
// port 11434, an explicit http:// or https:// without a port gets that
// scheme's port (80 or 443).
package ollamahost

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ollama/ollama/api"
)

// Default is Ollama's address when nothing names one.
const Default = "http://127.0.0.1:11434"

// Env is the environment variable Ollama and lessonl read.
const Env = "OLLAMA_HOST"

// Parse reads a host as OLLAMA_HOST is read: "gpu2", "gpu2:11434",
// "http://gpu2:8080", "https://ollama.example" or an IP. It returns the
// URL with scheme and port, and keeps a path (a reverse proxy's prefix).
// Unlike Ollama's client it refuses what it cannot read instead of falling
// back to the default silently.
func Parse(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("empty Ollama host: write it like 127.0.0.1:11434 or http://gpu2:11434")
	}
	port := "11434"
	scheme, hostport, explicit := strings.Cut(s, "://")
	switch {
	case !explicit:
		scheme, hostport = "http", s
	case scheme == "http":
		port = "80"
	case scheme == "https":
		port = "443"
	default:
		return nil, fmt.Errorf("bad Ollama host %q: the scheme must be http or https", s)
	}
	hostport, path, _ := strings.Cut(hostport, "/")
	host, p, err := net.SplitHostPort(hostport)
	if err != nil {
		// No port: a name, an IPv4 address or a bare IPv6 address.
		host, p = strings.Trim(hostport, "[]"), port
		if strings.Contains(host, ":") && net.ParseIP(host) == nil {
			return nil, fmt.Errorf("bad Ollama host %q: write it like 127.0.0.1:11434 or http://gpu2:11434", s)
		}
	}
	if host == "" || strings.ContainsAny(host, " @?#") {
		return nil, fmt.Errorf("bad Ollama host %q: write it like 127.0.0.1:11434 or http://gpu2:11434", s)
	}
	if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
		return nil, fmt.Errorf("bad Ollama host %q: port %q is not a number from 1 to 65535", s, p)
	}
	u := &url.URL{Scheme: scheme, Host: net.JoinHostPort(host, p)}
	if path = strings.TrimRight(path, "/"); path != "" {
		u.Path = "/" + path
	}
	return u, nil
}

// Normalize is Parse as a string: "http://gpu2:11434".
func Normalize(s string) (string, error) {
	u, err := Parse(s)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// Resolve is the host in effect: the flag or setting when set, else
// OLLAMA_HOST from getenv, else Default; always normalised.
func Resolve(flag string, getenv func(string) string) (string, error) {
	if strings.TrimSpace(flag) != "" {
		return Normalize(flag)
	}
	if env := getenv(Env); strings.TrimSpace(env) != "" {
		h, err := Normalize(env)
		if err != nil {
			return "", fmt.Errorf("%s: %w", Env, err)
		}
		return h, nil
	}
	return Default, nil
}

// NewClient is the client factory: one api.Client for a host as Parse reads
// it. The client has no HTTP timeout of its own; every caller bounds its
// calls with a context.
func NewClient(host string) (*api.Client, error) {
	u, err := Parse(host)
	if err != nil {
		return nil, err
	}
	return api.NewClient(u, http.DefaultClient), nil
}
