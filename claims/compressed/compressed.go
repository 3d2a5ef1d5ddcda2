// Package compressed keeps long texts small on disk: a text is stored as a zstd frame, or as
// itself when the frame would not be smaller, and read back as the same text. A stored
// value tells which it is by its first bytes (a frame starts with zstd's magic number,
// which no valid UTF-8 text without NUL starts with), so columns can hold rows written
// before compression alongside compressed ones. The audit trail's snapshots and article
// bodies use it.
package compressed

import (
	"bytes"
	"fmt"

	"github.com/klauspost/compress/zstd"
)

// magic opens every zstd frame. 0x28 is "(": JSON never starts with it, and a body that
// does is followed by 0xb5, which cannot follow it in UTF-8.
var magic = []byte{0x28, 0xb5, 0x2f, 0xfd}

// MaxBytes bounds what a stored frame may expand to, so that a corrupted or forged row
// cannot make a reader allocate without limit.
const MaxBytes = 64 << 20

// Codec compresses and decompresses; it is safe for concurrent use and does not change once
// made.
type Codec struct {
	enc *zstd.Encoder
	dec *zstd.Decoder
}

// New makes a codec. With a dictionary (dictID not 0), every frame names it and can only be
// read with its exact bytes: a dictionary, once used, is frozen.
func New(dictID uint32, dict []byte) (*Codec, error) {
	eopts := []zstd.EOption{
		// The fastest level stores a snapshot or a body 2-3% larger than the default one,
		// with a fraction of its CPU and of its tables' memory.
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		// What is stored is covered by a hash (audit) or kept with its SHA-256 (bodies), so
		// a checksum per frame adds nothing.
		zstd.WithEncoderCRC(false),
		// Writes go through one writer: one encoder's tables are enough.
		zstd.WithEncoderConcurrency(1),
		zstd.WithLowerEncoderMem(true),
	}
	// Reads run on a pool of connections: two frames decode at once, one per core here.
	dopts := []zstd.DOption{zstd.WithDecoderMaxMemory(MaxBytes), zstd.WithDecoderConcurrency(2), zstd.WithDecoderLowmem(true)}
	if dictID != 0 {
		eopts = append(eopts, zstd.WithEncoderDictRaw(dictID, dict))
		dopts = append(dopts, zstd.WithDecoderDictRaw(dictID, dict))
	}
	enc, err := zstd.NewWriter(nil, eopts...)
	if err != nil {
		return nil, fmt.Errorf("zstd encoder: %w", err)
	}
	dec, err := zstd.NewReader(nil, dopts...)
	if err != nil {
		return nil, fmt.Errorf("zstd decoder: %w", err)
	}
	return &Codec{enc: enc, dec: dec}, nil
}

// Encode returns what to store for text: nil for an empty text (stored as NULL where the
// column allows it), else a frame, or text's own bytes when the frame would not be smaller.
func (c *Codec) Encode(text string) []byte {
	if text == "" {
		return nil
	}
	frame := c.enc.EncodeAll([]byte(text), nil)
	if len(frame) >= len(text) {
		return []byte(text)
	}
	return frame
}

// Decode returns the text a stored value holds.
func (c *Codec) Decode(stored []byte) (string, error) {
	if !IsFrame(stored) {
		return string(stored), nil
	}
	out, err := c.dec.DecodeAll(stored, nil)
	if err != nil {
		return "", fmt.Errorf("decompress a stored text: %w", err)
	}
	return string(out), nil
}

// IsFrame reports whether a stored value is a zstd frame rather than a text.
func IsFrame(stored []byte) bool { return bytes.HasPrefix(stored, magic) }
