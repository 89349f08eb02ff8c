package ollamatest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// FetchRequests reads the request log of a server running in another process
// (`lessonl ollamatest`), at baseURL such as http://127.0.0.1:38121.
func FetchRequests(ctx context.Context, baseURL string) ([]Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(baseURL, "/")+"/ollamatest/requests", nil)
	if err != nil {
		return nil, fmt.Errorf("couldn't fetch scripted Ollama requests: %w", err)
	}
	var out []Request
	if err := adminDo(req, &out); err != nil {
		return nil, fmt.Errorf("couldn't fetch scripted Ollama requests from %s (is `lessonl ollamatest` running there?): %w", baseURL, err)
	}
	return out, nil
}

// PutScript replaces the script of a server running in another process,
// as SetScript does in process; the server validates it.
func PutScript(ctx context.Context, baseURL string, s Script) error {
	body, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("couldn't encode script: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, strings.TrimRight(baseURL, "/")+"/ollamatest/script", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("couldn't replace scripted Ollama script: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if err := adminDo(req, nil); err != nil {
		return fmt.Errorf("couldn't replace the script of %s: %w", baseURL, err)
	}
	return nil
}

func adminDo(req *http.Request, out any) error {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return fmt.Errorf("HTTP %d: %s", resp.StatusCode, e.Error)
		}
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(data))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("not a request log: %w", err)
		}
	}
	return nil
}
