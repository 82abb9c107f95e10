package avatar

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"testing"

	"kurz"
	"kurz/internal/imagetest"
)

func picture(w, h int) *image.RGBA { return imagetest.Halves(w, h) }

func mustJPEG(t testing.TB, m image.Image) []byte { return imagetest.JPEG(m) }

// WithEXIF is imagetest.WithEXIF.
func WithEXIF(jpg []byte, orientation uint16) []byte { return imagetest.WithEXIF(jpg, orientation) }

// A picture with GPS EXIF comes out as a square JPEG that has no APPn or
// comment segment at all, and none of the EXIF's bytes.
func TestProcessStripsMetadata(t *testing.T) {
	in := WithEXIF(mustJPEG(t, picture(300, 200)), 1)
	if Orientation(in) != 1 || !bytes.Contains(in, []byte("GPS-Test")) {
		t.Fatal("the fixture has no EXIF")
	}
	out, err := Process(in, Crop{})
	if err != nil {
		t.Fatal(err)
	}
	if md := imagetest.Metadata(out); md != nil {
		t.Fatalf("output has metadata: %v", md)
	}
	m, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if b := m.Bounds(); b.Dx() != Size || b.Dy() != Size {
		t.Fatalf("output is %v", b)
	}
}

// The crop and the EXIF orientation: a 200×100 picture stored with
// orientation 6 (turned 90° clockwise to show) is shown 100×200, its
// stored left half (red) on top.
func TestProcessOrientationAndCrop(t *testing.T) {
	in := WithEXIF(mustJPEG(t, picture(200, 100)), 6)
	if Orientation(in) != 6 {
		t.Fatalf("orientation %d", Orientation(in))
	}
	top, err := Process(in, Crop{X: 0, Y: 0, Side: 100})
	if err != nil {
		t.Fatal(err)
	}
	bottom, err := Process(in, Crop{X: 0, Y: 100, Side: 100})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		b       []byte
		redWant bool
	}{"top": {top, true}, "bottom": {bottom, false}} {
		m, _ := jpeg.Decode(bytes.NewReader(c.b))
		r, _, b, _ := m.At(Size/2, Size/2).RGBA()
		if (r > b) != c.redWant {
			t.Errorf("%s square: red %d blue %d, want red %v", name, r>>8, b>>8, c.redWant)
		}
	}
	if _, err := Process(in, Crop{X: 0, Y: 150, Side: 100}); kurz.ErrorCode(err) != kurz.EInvalid || kurz.AsError(err).Field != "crop" {
		t.Fatalf("a crop past the picture: %v", err)
	}
}

func pngChunk(typ string, data []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// Hostile files are refused with a clear 4xx error before anything is
// decoded: a decompression bomb, a huge file, a non-picture, polyglots.
func TestProcessRefuses(t *testing.T) {
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, picture(64, 64))
	okPNG := pngBuf.Bytes()
	if _, err := Process(okPNG, Crop{}); err != nil {
		t.Fatalf("a plain PNG: %v", err)
	}
	ihdr := binary.BigEndian.AppendUint32(nil, 60000)
	ihdr = binary.BigEndian.AppendUint32(ihdr, 60000)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	bomb := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
	bomb = append(bomb, pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	bomb = append(bomb, pngChunk("IEND", nil)...)
	jpg := mustJPEG(t, picture(64, 64))
	comment := append([]byte{0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x21}, []byte("<script>alert(1)</script>!!!!!!")...)
	comment = append(comment, jpg[2:]...)
	for name, c := range map[string]struct {
		in   []byte
		code string
	}{
		"bomb":           {bomb, kurz.ETooLarge},
		"huge file":      {append(jpg, make([]byte, MaxBytes)...), kurz.ETooLarge},
		"text":           {[]byte("hello, this is not a picture at all"), kurz.EInvalid},
		"html":           {[]byte("<html><script>alert(1)</script></html>"), kurz.EInvalid},
		"jpeg+zip":       {append(append([]byte{}, jpg...), []byte("PK\x03\x04 a zip archive follows")...), kurz.EInvalid},
		"png+script":     {append(append([]byte{}, okPNG...), []byte("<script>x</script>")...), kurz.EInvalid},
		"jpeg+markup":    {comment, kurz.EInvalid},
		"truncated jpeg": {jpg[:len(jpg)/2], kurz.EInvalid},
		"tiny":           {mustJPEG(t, picture(8, 8)), kurz.EInvalid},
		"empty":          {nil, kurz.EInvalid},
	} {
		_, err := Process(c.in, Crop{})
		if kurz.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
}

func FuzzProcess(f *testing.F) {
	f.Add(WithEXIF(mustJPEG(f, picture(40, 40)), 6))
	var b bytes.Buffer
	png.Encode(&b, picture(40, 40))
	f.Add(b.Bytes())
	f.Add([]byte("RIFF\x04\x00\x00\x00WEBP"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Process(data, Crop{})
		if err != nil && kurz.ErrorCode(err) == kurz.EInternal {
			t.Fatal(err)
		}
		if err == nil && !bytes.HasPrefix(out, []byte{0xFF, 0xD8}) {
			t.Fatal("output is not a JPEG")
		}
		Orientation(data)
	})
}
