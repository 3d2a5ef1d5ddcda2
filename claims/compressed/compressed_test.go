package compressed_test

import (
	"strings"
	"testing"

	"verity/claims/compressed"
)

func TestEncodeDecode(t *testing.T) {
	t.Parallel()
	dictionary := []byte(`{"kind":"casualty_count","stage":"open","status":"unverified"}`)
	plain, err := compressed.New(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	primed, err := compressed.New(7, dictionary)
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("Officials in Kabul said the ceasefire held. ", 50)
	for _, tt := range []struct {
		name      string
		codec     *compressed.Codec
		text      string
		wantFrame bool
	}{
		{"empty", plain, "", false},
		{"short: the frame would be longer", plain, "ok", false},
		{"a text that starts like a frame's first byte", plain, "(sic)", false},
		{"long", plain, long, true},
		{"long, with a dictionary", primed, long, true},
		{"what the dictionary holds", primed, `{"kind":"casualty_count","stage":"open","status":"unverified","version":2}`, true},
		{"UTF-8", plain, strings.Repeat("«79» Afghans — ", 40), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stored := tt.codec.Encode(tt.text)
			if compressed.IsFrame(stored) != tt.wantFrame {
				t.Errorf("frame = %v, want %v (%d bytes for %d)", compressed.IsFrame(stored), tt.wantFrame, len(stored), len(tt.text))
			}
			if tt.wantFrame && len(stored) >= len(tt.text) {
				t.Errorf("%d bytes stored for %d", len(stored), len(tt.text))
			}
			if tt.text == "" && stored != nil {
				t.Errorf("an empty text is stored as %q, want nil (NULL)", stored)
			}
			got, err := tt.codec.Decode(stored)
			if err != nil || got != tt.text {
				t.Errorf("decoded %q, %v", got, err)
			}
		})
	}
	// A frame needs the dictionary it was made with; a damaged one is an error, not a text.
	frame := primed.Encode(long)
	if _, err := plain.Decode(frame); err == nil {
		t.Error("a frame made with a dictionary decoded without it")
	}
	if _, err := primed.Decode(frame[:len(frame)/2]); err == nil {
		t.Error("half a frame decoded")
	}
}
