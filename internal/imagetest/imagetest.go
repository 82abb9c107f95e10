// Package imagetest makes pictures for tests of profile pictures: a JPEG
// with the EXIF a phone writes (orientation, camera model, GPS position),
// and a check that a JPEG carries no metadata segment at all.
package imagetest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
)

// Halves is a w×h picture whose left half is red and right half blue.
func Halves(w, h int) *image.RGBA {
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

// JPEG encodes m.
func JPEG(m image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// GPSMarker is in the camera model of WithEXIF's EXIF, to look for.
const GPSMarker = "KurzPhone GPS-Test"

// WithEXIF returns jpg with an EXIF segment holding an orientation, a
// camera model (GPSMarker) and a GPS position (52°31'N 13°24'E), as
// phones write it.
func WithEXIF(jpg []byte, orientation uint16) []byte {
	le := binary.LittleEndian
	var t []byte
	t = append(t, 'I', 'I', 42, 0, 8, 0, 0, 0)
	entry := func(tag, typ uint16, count, value uint32) {
		t = le.AppendUint16(t, tag)
		t = le.AppendUint16(t, typ)
		t = le.AppendUint32(t, count)
		t = le.AppendUint32(t, value)
	}
	const ifd0, n0 = 8, 3
	modelOff := uint32(ifd0 + 2 + 12*n0 + 4)
	model := []byte(GPSMarker + "\x00")
	gpsOff := modelOff + uint32(len(model))
	t = le.AppendUint16(t, n0)
	entry(0x0110, 2, uint32(len(model)), modelOff)
	entry(0x0112, 3, 1, uint32(orientation))
	entry(0x8825, 4, 1, gpsOff)
	t = le.AppendUint32(t, 0)
	t = append(t, model...)
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

// Metadata walks a JPEG's segments up to its first scan and describes
// every one that can carry metadata (APP0-APP15, comments), and any
// EXIF, GPS or camera bytes anywhere in the file; nil means none.
func Metadata(d []byte) []string {
	var out []string
	if !bytes.HasPrefix(d, []byte{0xFF, 0xD8}) {
		return []string{"not a JPEG"}
	}
	for i := 2; i+4 <= len(d); {
		if d[i] != 0xFF {
			return append(out, fmt.Sprintf("no marker at %d", i))
		}
		m := d[i+1]
		if m >= 0xE0 && m <= 0xEF || m == 0xFE {
			out = append(out, fmt.Sprintf("segment FF%02X", m))
		}
		if m == 0xDA {
			break
		}
		i += 2 + int(binary.BigEndian.Uint16(d[i+2:]))
	}
	for _, s := range []string{"Exif", "GPS", GPSMarker, "II*\x00", "MM\x00*"} {
		if bytes.Contains(d, []byte(s)) {
			out = append(out, fmt.Sprintf("bytes %q", s))
		}
	}
	return out
}

// PNGBomb is a valid small PNG whose header declares 60000×60000 pixels
// (14 GB once decoded).
func PNGBomb() []byte {
	chunk := func(typ string, data []byte) []byte {
		out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		out = append(out, typ...)
		out = append(out, data...)
		return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, 60000)
	ihdr = binary.BigEndian.AppendUint32(ihdr, 60000)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	out := append([]byte("\x89PNG\r\n\x1a\n"), chunk("IHDR", ihdr)...)
	out = append(out, chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(out, chunk("IEND", nil)...)
}

// RedBlue says whether pixel (x, y) of a JPEG is "red" or "blue" (or
// "other", or "broken" if it does not decode).
func RedBlue(jpg []byte, x, y int) string {
	m, err := jpeg.Decode(bytes.NewReader(jpg))
	if err != nil {
		return "broken"
	}
	r, g, b, _ := m.At(x, y).RGBA()
	switch {
	case r > 0xc000 && g < 0x4000 && b < 0x4000:
		return "red"
	case b > 0xc000 && r < 0x4000 && g < 0x4000:
		return "blue"
	}
	return "other"
}
