package ffmpeg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// sniffLen is how much of a file Sniff looks at.
const sniffLen = 4096

// Container names returned by Sniff.
const (
	ContainerMP4      = "mp4"
	ContainerMatroska = "matroska"
	ContainerAVI      = "avi"
	ContainerMPEGTS   = "mpegts"
	ContainerMPEGPS   = "mpeg"
	ContainerFLV      = "flv"
	ContainerOgg      = "ogg"
)

// Sniff names the container of a file from its first bytes, or returns a
// *RejectError. It runs before ffprobe so that playlists, scripts and images
// never reach a demuxer that could follow references out of the file.
func Sniff(head []byte) (string, error) {
	if len(head) == 0 {
		return "", reject("the file is empty")
	}
	if len(head) > sniffLen {
		head = head[:sniffLen]
	}
	kb := head[:min(len(head), 1024)]
	// Text that ffmpeg would treat as a list of other files, in any disguise.
	if bytes.Contains(kb, []byte("#EXTM3U")) || bytes.Contains(kb, []byte("ffconcat")) ||
		bytes.Contains(kb, []byte("file '")) {
		return "", reject("this file is a playlist, not a video")
	}
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")),
		bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}),
		bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")),
		len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP",
		bytes.HasPrefix(head, []byte("BM")) && len(head) >= 14 && binary.LittleEndian.Uint32(head[6:10]) == 0,
		bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return "", reject("this file is an image, not a video")
	}
	if len(head) >= 8 {
		switch string(head[4:8]) {
		case "ftyp", "moov", "mdat", "wide", "free", "skip":
			// AVIF and HEIF stills are ftyp-based images.
			if string(head[4:8]) == "ftyp" && len(head) >= 12 {
				switch string(head[8:12]) {
				case "avif", "avis", "heic", "heix", "mif1", "msf1":
					return "", reject("this file is an image, not a video")
				}
			}
			return ContainerMP4, nil
		}
	}
	switch {
	case bytes.HasPrefix(head, []byte{0x1A, 0x45, 0xDF, 0xA3}):
		return ContainerMatroska, nil
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "AVI ":
		return ContainerAVI, nil
	case len(head) > 188 && head[0] == 0x47 && head[188] == 0x47:
		return ContainerMPEGTS, nil
	case bytes.HasPrefix(head, []byte{0x00, 0x00, 0x01, 0xBA}):
		return ContainerMPEGPS, nil
	case bytes.HasPrefix(head, []byte("FLV\x01")):
		return ContainerFLV, nil
	case bytes.HasPrefix(head, []byte("OggS")):
		return ContainerOgg, nil
	}
	return "", reject("this file is not a video")
}

// openInput opens an input, refuses anything but a regular file within
// maxSize (0: any size) and sniffs its head. The open file is what the
// tools get (as fd 3): what was checked is what is decoded.
func openInput(path string, maxSize int64) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: open input: %w", err)
	}
	if err := sniffOpen(f, maxSize); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func sniffOpen(f *os.File, maxSize int64) error {
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("ffmpeg: stat input: %w", err)
	}
	if !st.Mode().IsRegular() {
		return reject("this file is not a video")
	}
	if maxSize > 0 && st.Size() > maxSize {
		return reject(fmt.Sprintf("file too large (over %d MB)", maxSize>>20))
	}
	head := make([]byte, sniffLen)
	n, err := f.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("ffmpeg: read input: %w", err)
	}
	_, err = Sniff(head[:n])
	return err
}
