// Package avatar turns an uploaded picture into a profile picture: it
// checks the file is one JPEG, PNG or WebP picture and nothing else (no
// trailing archive, no markup: a polyglot is refused), bounds what is
// decoded (bytes, sides, pixels) before decoding it, crops it to a
// square, scales it and encodes a new JPEG that carries no metadata at
// all (Go's encoder writes none: no EXIF, no GPS, no comments). EXIF
// orientation is applied first, so the picture looks as the phone showed
// it. It imports only the root package; decoding is Go's own (memory
// safe), one picture at a time per process.
package avatar

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"kurz"
)

const (
	// MaxBytes bounds an upload.
	MaxBytes = 10 << 20
	// MaxSide and MaxPixels bound what is decoded (a decompression bomb
	// declares huge sides in a small file); MinSide is the smallest side
	// a picture may have.
	MaxSide   = 8192
	MaxPixels = 24_000_000
	MinSide   = 32
	// Size is the side of a profile picture.
	Size = 400
)

// Crop is the square to keep, in pixels of the picture as shown (after
// its EXIF orientation); a zero Side keeps the centred square.
type Crop struct{ X, Y, Side int }

// slot lets one picture be decoded at a time: a decoded picture may take
// up to MaxPixels × 8 bytes.
var slot = make(chan struct{}, 1)

// Process checks data and returns the profile picture made of it: a
// Size×Size JPEG without metadata. Errors are kurz errors with messages
// safe to show (EInvalid with field "picture" or "crop", ETooLarge).
func Process(data []byte, crop Crop) ([]byte, error) {
	if len(data) > MaxBytes {
		return nil, &kurz.Error{Code: kurz.ETooLarge, Field: "picture", Message: "the picture is larger than 10 MB"}
	}
	kind, err := check(data)
	if err != nil {
		return nil, err
	}
	var cfg image.Config
	switch kind {
	case "jpeg":
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	case "png":
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	default:
		cfg, err = webp.DecodeConfig(bytes.NewReader(data))
	}
	if err != nil {
		return nil, notPicture()
	}
	if cfg.Width > MaxSide || cfg.Height > MaxSide || cfg.Width*cfg.Height > MaxPixels {
		return nil, &kurz.Error{Code: kurz.ETooLarge, Field: "picture", Message: "the picture is too large: at most 8192 pixels a side and 24 megapixels"}
	}
	if cfg.Width < MinSide || cfg.Height < MinSide {
		return nil, kurz.FieldError("picture", "the picture is too small: at least 32 pixels a side")
	}
	orient := 1
	if kind == "jpeg" {
		orient = Orientation(data)
	}
	w, h := cfg.Width, cfg.Height
	if orient >= 5 {
		w, h = h, w // as shown
	}
	if crop.Side == 0 {
		crop.Side = min(w, h)
		crop.X, crop.Y = (w-crop.Side)/2, (h-crop.Side)/2
	}
	if crop.Side < MinSide || crop.X < 0 || crop.Y < 0 || crop.X+crop.Side > w || crop.Y+crop.Side > h {
		return nil, kurz.FieldError("crop", "the square to keep must lie inside the picture and be at least 32 pixels")
	}
	slot <- struct{}{}
	defer func() { <-slot }()
	var src image.Image
	switch kind {
	case "jpeg":
		src, err = jpeg.Decode(bytes.NewReader(data))
	case "png":
		src, err = png.Decode(bytes.NewReader(data))
	default:
		src, err = webp.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return nil, notPicture()
	}
	b := src.Bounds()
	r := sourceRect(orient, b.Dx(), b.Dy(), crop).Add(b.Min)
	out := image.NewRGBA(image.Rect(0, 0, Size, Size))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src) // transparency shows white
	draw.CatmullRom.Scale(out, out.Bounds(), src, r, draw.Over, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, orientImage(out, orient), &jpeg.Options{Quality: 85}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func notPicture() error {
	return kurz.FieldError("picture", "this is not a JPEG, PNG or WebP picture")
}

// check tells a JPEG, PNG or WebP by its first bytes and refuses
// anything else, a file with bytes after the picture's end (a trailing
// archive or script), and a file carrying markup (an HTML or SVG
// polyglot).
func check(data []byte) (string, error) {
	var kind string
	var end int
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		kind, end = "jpeg", jpegEnd(data)
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		kind, end = "png", pngEnd(data)
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		kind, end = "webp", 8+int(binary.LittleEndian.Uint32(data[4:8]))
		if end%2 == 1 && end+1 == len(data) {
			end++ // a pad byte
		}
	default:
		return "", notPicture()
	}
	if end <= 0 || end > len(data) {
		return "", notPicture()
	}
	if end < len(data) {
		return "", kurz.FieldError("picture", "the file holds more than a picture (data after its end); save it again as a plain JPEG, PNG or WebP")
	}
	lower := bytes.ToLower(data)
	for _, m := range []string{"<script", "<html", "<!doctype", "<svg", "<?php", "<iframe", "<body"} {
		if bytes.Contains(lower, []byte(m)) {
			return "", kurz.FieldError("picture", "the file holds more than a picture (markup); save it again as a plain JPEG, PNG or WebP")
		}
	}
	return kind, nil
}

// jpegEnd returns the offset just past a JPEG's end-of-image marker, or
// -1 if it has none. It walks the segments, and through the entropy-coded
// data after each start of scan (where 0xFF is followed by 0x00, a
// restart marker or fill bytes).
func jpegEnd(d []byte) int {
	i := 2
	for i+1 < len(d) {
		if d[i] != 0xFF {
			return -1
		}
		m := d[i+1]
		switch {
		case m == 0xFF: // fill
			i++
			continue
		case m == 0xD9:
			return i + 2
		case m >= 0xD0 && m <= 0xD7 || m == 0x01:
			i += 2
			continue
		}
		if i+3 >= len(d) {
			return -1
		}
		n := int(binary.BigEndian.Uint16(d[i+2:]))
		if n < 2 {
			return -1
		}
		i += 2 + n
		if m != 0xDA {
			continue
		}
		// Entropy-coded data up to the next marker.
		for i+1 < len(d) {
			if d[i] == 0xFF && d[i+1] != 0x00 && !(d[i+1] >= 0xD0 && d[i+1] <= 0xD7) && d[i+1] != 0xFF {
				break
			}
			i++
		}
	}
	return -1
}

// pngEnd returns the offset just past a PNG's IEND chunk, or -1.
func pngEnd(d []byte) int {
	i := 8
	for i+12 <= len(d) {
		n := int(binary.BigEndian.Uint32(d[i:]))
		if n < 0 || n > len(d) {
			return -1
		}
		typ := string(d[i+4 : i+8])
		i += 12 + n
		if typ == "IEND" {
			return i
		}
	}
	return -1
}

// Orientation reads the EXIF orientation (1-8) of a JPEG; 1 if it has
// none or it cannot be read.
func Orientation(d []byte) int {
	i := 2
	for i+4 <= len(d) && d[i] == 0xFF {
		m := d[i+1]
		n := int(binary.BigEndian.Uint16(d[i+2:]))
		if m == 0xDA || m == 0xD9 || n < 2 || i+2+n > len(d) {
			break
		}
		seg := d[i+4 : i+2+n]
		if m == 0xE1 && len(seg) > 14 && string(seg[:6]) == "Exif\x00\x00" {
			if o := tiffOrientation(seg[6:]); o >= 1 && o <= 8 {
				return o
			}
			return 1
		}
		i += 2 + n
	}
	return 1
}

func tiffOrientation(t []byte) int {
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	off := int(bo.Uint32(t[4:8]))
	if off < 8 || off+2 > len(t) {
		return 0
	}
	count := int(bo.Uint16(t[off:]))
	for k := 0; k < count; k++ {
		e := off + 2 + 12*k
		if e+12 > len(t) {
			return 0
		}
		if bo.Uint16(t[e:]) == 0x0112 {
			return int(bo.Uint16(t[e+8:]))
		}
	}
	return 0
}

// sourceRect maps a square of the picture as shown (after orientation o)
// to the stored picture's pixels (w×h stored).
func sourceRect(o, w, h int, c Crop) image.Rectangle {
	x0, y0 := toSource(o, w, h, c.X, c.Y)
	x1, y1 := toSource(o, w, h, c.X+c.Side, c.Y+c.Side)
	return image.Rect(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
}

// toSource maps a point (between pixels) of the shown picture to the
// stored one.
func toSource(o, w, h, x, y int) (int, int) {
	switch o {
	case 2:
		return w - x, y
	case 3:
		return w - x, h - y
	case 4:
		return x, h - y
	case 5:
		return y, x
	case 6:
		return y, h - x
	case 7:
		return w - y, h - x
	case 8:
		return w - y, x
	}
	return x, y
}

// orientImage turns the square m (cropped from the stored picture) into
// the picture as shown under orientation o.
func orientImage(m *image.RGBA, o int) image.Image {
	if o <= 1 || o > 8 {
		return m
	}
	n := m.Bounds().Dx()
	out := image.NewRGBA(m.Bounds())
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			// The shown pixel (x, y) comes from the stored pixel whose
			// cell toSource maps it to.
			sx, sy := toSource(o, n, n, x, y)
			sx2, sy2 := toSource(o, n, n, x+1, y+1)
			out.SetRGBA(x, y, m.RGBAAt(min(sx, sx2), min(sy, sy2)))
		}
	}
	return out
}
