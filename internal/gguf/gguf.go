// Package gguf writes GGUF v3 files (little-endian, F32 tensors) and makes
// deterministic llama models from them, so tests can run a real Ollama
// server on weights the repository writes itself.
package gguf

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sort"
)

// Value types of GGUF metadata.
const (
	typeUint32  = 4
	typeInt32   = 5
	typeFloat32 = 6
	typeBool    = 7
	typeString  = 8
	typeArray   = 9
)

// alignment of tensor data (GGUF's default general.alignment).
const alignment = 32

// File is a GGUF file in memory: metadata and F32 tensors.
type File struct {
	KV      map[string]any // uint32, int32, float32, bool, string, []string, []float32, []int32
	Tensors []Tensor
}

// Tensor is one F32 tensor. Shape is in GGUF order: Shape[0] is the
// innermost (contiguous) dimension, so a matrix mapping n inputs to m
// outputs has Shape {n, m} and Data[o*n+i] is the weight from input i to
// output o.
type Tensor struct {
	Name  string
	Shape []uint64
	Data  []float32
}

// WriteTo writes the file in GGUF v3.
func (f *File) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: bufio.NewWriter(w)}
	e := &enc{w: cw}
	e.raw([]byte("GGUF"))
	e.u32(3)
	e.u64(uint64(len(f.Tensors)))
	e.u64(uint64(len(f.KV)))
	keys := make([]string, 0, len(f.KV))
	for k := range f.KV {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		e.str(k)
		if err := e.value(f.KV[k]); err != nil {
			return cw.n, fmt.Errorf("gguf: key %s: %w", k, err)
		}
	}
	var off uint64
	for _, t := range f.Tensors {
		n := uint64(1)
		for _, d := range t.Shape {
			n *= d
		}
		if n != uint64(len(t.Data)) {
			return cw.n, fmt.Errorf("gguf: tensor %s has shape %v (%d values) but %d values", t.Name, t.Shape, n, len(t.Data))
		}
		e.str(t.Name)
		e.u32(uint32(len(t.Shape)))
		for _, d := range t.Shape {
			e.u64(d)
		}
		e.u32(0) // GGML_TYPE_F32
		e.u64(off)
		off += pad(n * 4)
	}
	e.zeros(pad(uint64(cw.n)) - uint64(cw.n))
	for _, t := range f.Tensors {
		for _, x := range t.Data {
			e.u32(math.Float32bits(x))
		}
		size := uint64(len(t.Data)) * 4
		e.zeros(pad(size) - size)
	}
	if e.err == nil {
		e.err = cw.w.(*bufio.Writer).Flush()
	}
	return cw.n, e.err
}

func pad(n uint64) uint64 { return (n + alignment - 1) / alignment * alignment }

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// enc writes little-endian values and keeps the first error.
type enc struct {
	w   io.Writer
	err error
}

func (e *enc) raw(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

func (e *enc) u32(v uint32) { e.raw(binary.LittleEndian.AppendUint32(nil, v)) }
func (e *enc) u64(v uint64) { e.raw(binary.LittleEndian.AppendUint64(nil, v)) }
func (e *enc) str(s string) { e.u64(uint64(len(s))); e.raw([]byte(s)) }
func (e *enc) zeros(n uint64) {
	if n > 0 {
		e.raw(make([]byte, n))
	}
}

func (e *enc) value(v any) error {
	switch v := v.(type) {
	case uint32:
		e.u32(typeUint32)
		e.u32(v)
	case int32:
		e.u32(typeInt32)
		e.u32(uint32(v))
	case float32:
		e.u32(typeFloat32)
		e.u32(math.Float32bits(v))
	case bool:
		e.u32(typeBool)
		b := byte(0)
		if v {
			b = 1
		}
		e.raw([]byte{b})
	case string:
		e.u32(typeString)
		e.str(v)
	case []string:
		e.u32(typeArray)
		e.u32(typeString)
		e.u64(uint64(len(v)))
		for _, s := range v {
			e.str(s)
		}
	case []float32:
		e.u32(typeArray)
		e.u32(typeFloat32)
		e.u64(uint64(len(v)))
		for _, x := range v {
			e.u32(math.Float32bits(x))
		}
	case []int32:
		e.u32(typeArray)
		e.u32(typeInt32)
		e.u64(uint64(len(v)))
		for _, x := range v {
			e.u32(uint32(x))
		}
	default:
		return fmt.Errorf("unsupported value type %T", v)
	}
	return nil
}
