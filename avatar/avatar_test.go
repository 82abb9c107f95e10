package avatar

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"kurz"
)

// picture is a w×h picture whose left half is red and right half blue.
func picture(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{255, 0, 0, 255}
			if x >= w/2 {
				c = color.RGBA{0, 0, 255, 255}
			}
			m.SetRGBA(x, y, c)
		}
	}
	return m
}

func mustJPEG(t testing.TB, m image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// WithEXIF returns a JPEG with an EXIF segment holding an orientation and
// a GPS position (52°31'N 13°24'E) and a camera model, as phones write.
func WithEXIF(jpg []byte, orientation uint16) []byte {
	le := binary.LittleEndian
	var t []byte
	t = append(t, 'I', 'I', 42, 0, 8, 0, 0, 0)
	// IFD0: orientation, model, GPS IFD pointer.
	entry := func(tag, typ uint16, count, value uint32) {
		t = le.AppendUint16(t, tag)
		t = le.AppendUint16(t, typ)
		t = le.AppendUint32(t, count)
		t = le.AppendUint32(t, value)
	}
	const ifd0 = 8
	const n0 = 3
	modelOff := uint32(ifd0 + 2 + 12*n0 + 4)
	model := []byte("KurzPhone GPS-Test\x00")
	gpsOff := modelOff + uint32(len(model))
	t = le.AppendUint16(t, n0)
	entry(0x0110, 2, uint32(len(model)), modelOff)
	entry(0x0112, 3, 1, uint32(orientation))
	entry(0x8825, 4, 1, gpsOff)
	t = le.AppendUint32(t, 0)
	t = append(t, model...)
	// GPS IFD: latitude ref N, latitude 52/1 31/1 0/1, longitude ref E,
	// longitude 13/1 24/1 0/1.
	const nGPS = 4
	ratOff := gpsOff + 2 + 12*nGPS + 4
	t = le.AppendUint16(t, nGPS)
	entry(0x0001, 2, 2, uint32('N'))
	entry(0x0002, 5, 3, ratOff)
	entry(0x0003, 2, 2, uint32('E'))
	entry(0x0004, 5, 3, ratOff+24)
	t = le.AppendUint32(t, 0)
	for _, v := range []uint32{52, 1, 31, 1, 0, 1, 13, 1, 24, 1, 0, 1} {
		t = le.AppendUint32(t, v)
	}
	seg := append([]byte("Exif\x00\x00"), t...)
	out := []byte{0xFF, 0xD8, 0xFF, 0xE1}
	out = binary.BigEndian.AppendUint16(out, uint16(len(seg)+2))
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// markers lists a JPEG's segment markers up to its first scan.
func markers(t *testing.T, d []byte) []byte {
	var out []byte
	i := 2
	for i+4 <= len(d) {
		if d[i] != 0xFF {
			t.Fatalf("no marker at %d", i)
		}
		m := d[i+1]
		out = append(out, m)
		if m == 0xDA {
			break
		}
		i += 2 + int(binary.BigEndian.Uint16(d[i+2:]))
	}
	return out
}

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
	for _, m := range markers(t, out) {
		if m >= 0xE0 && m <= 0xEF || m == 0xFE {
			t.Fatalf("output has segment 0xFF%02X", m)
		}
	}
	for _, s := range []string{"Exif", "GPS", "KurzPhone", "II*"} {
		if bytes.Contains(out, []byte(s)) {
			t.Fatalf("output holds %q", s)
		}
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
