package server

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lessonl/lessonl/settings"
	"go.lsp.dev/protocol"
)

// layers of settings, lowest first.
const (
	layerInit   = iota // initializationOptions
	layerClient        // workspace/configuration or didChangeConfiguration
	nLayers
)

// config is the server's view of the one configuration (package settings):
// editor settings (initializationOptions, workspace/configuration section
// "lessonl", didChangeConfiguration) over the --store flag, the
// environment and the defaults.
type config struct {
	base   settings.Settings
	mu     sync.Mutex
	layers [nLayers]map[string]json.RawMessage
	cur    atomic.Pointer[settings.Settings]
	// seq orders settings events: a pull answered after a newer push (or
	// pull) is stale and dropped.
	seq     atomic.Int64
	applied int64
}

func (c *config) init(storeFlag string) {
	c.base = settings.FromEnv()
	c.base.Store = storeFlag
	cur := c.base
	c.cur.Store(&cur)
}

func (c *config) get() settings.Settings { return *c.cur.Load() }

// set replaces one layer and recomputes the configuration. It returns the
// problems found: unknown keys and bad values, which are ignored.
func (c *config) set(layer int, obj map[string]json.RawMessage) []string {
	problems, _ := c.setAt(layer, obj, c.seq.Add(1))
	return problems
}

// setAt is set for an event numbered seq; ok is false (and nothing
// changes) when a newer event was applied already.
func (c *config) setAt(layer int, obj map[string]json.RawMessage, seq int64) (problems []string, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if seq < c.applied {
		return nil, false
	}
	c.applied = seq
	c.layers[layer] = obj
	cur := c.base
	for _, l := range c.layers {
		problems = append(problems, cur.Apply(l)...)
	}
	c.cur.Store(&cur)
	return problems, true
}

// applySettings takes a client's settings object into a layer and tells the
// user about anything ignored; a bad setting never stops the server. seq
// numbers the event (0: now).
func (s *server) applySettings(layer int, raw []byte, from string, seq int64) {
	obj, ok, err := settings.Object(raw)
	if err != nil {
		s.showMessage(protocol.MessageTypeWarning, "LessonL: ignored the settings from %s: %v", from, err)
		return
	}
	if !ok {
		return
	}
	if seq == 0 {
		seq = s.cfg.seq.Add(1)
	}
	problems, applied := s.cfg.setAt(layer, obj, seq)
	if !applied {
		s.log.Debug("dropped settings overtaken by newer ones", "from", from)
		return
	}
	c := s.cfg.get()
	s.log.Info("settings", "from", from, "models", strings.Join(c.Models, ","), "rounds", c.Rounds, "lessons", c.Lessons,
		"scope", c.Scope, "store", c.StoreDir(), "ollamaHost", c.Host, "timeout", c.Timeout, "floor", c.Floor, "sandbox", c.Sandbox, "codeLens", c.CodeLens)
	if len(problems) > 0 {
		s.showMessage(protocol.MessageTypeWarning, "LessonL settings (%s): %s", from, strings.Join(problems, "; "))
	}
}

// schedulePull asks the client for the "lessonl" section, off the read
// loop (the answer arrives on it). The event is numbered now, in the order
// of the notifications, so a slow answer cannot undo a later push.
func (s *server) schedulePull() {
	s.mu.Lock()
	pull := s.configPull
	s.mu.Unlock()
	if !pull {
		return
	}
	seq := s.cfg.seq.Add(1)
	s.goBackground(func(ctx context.Context) { s.pullSettings(ctx, seq) })
}

func (s *server) pullSettings(ctx context.Context, seq int64) {
	section := "lessonl"
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	res, err := s.client.Configuration(ctx, &protocol.ConfigurationParams{Items: []protocol.ConfigurationItem{{Section: &section}}})
	if err != nil {
		s.log.Warn("couldn't read the client's settings (workspace/configuration)", "err", err)
		return
	}
	if len(res) == 1 {
		s.applySettings(layerClient, res[0], "workspace/configuration", seq)
	}
}

// DidChangeConfiguration takes pushed settings, then pulls the current ones
// when the client can answer (the pull model sends null settings).
func (s *server) DidChangeConfiguration(ctx context.Context, p *protocol.DidChangeConfigurationParams) error {
	if obj, ok, err := settings.Object(p.Settings); err == nil && ok && (settings.HasSection(p.Settings) || settings.AnyKnown(obj)) {
		s.applySettings(layerClient, p.Settings, "didChangeConfiguration", 0)
	}
	s.schedulePull()
	return nil
}
