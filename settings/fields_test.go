package settings

import (
	"reflect"
	"strings"
)

func reflectFields() []string {
	var out []string
	t := reflect.TypeOf(Settings{})
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		out = append(out, name)
	}
	return out
}
