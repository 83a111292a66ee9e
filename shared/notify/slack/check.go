package slack

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// What Slack accepts in a message, for the local stand-ins (Receiver and WebAPI). The
// rules come from Slack's documents, not from what cdnwatch sends:
//
//   - a message has text or blocks, else "no_text"; at most 50 blocks
//     (https://api.slack.com/reference/block-kit/blocks);
//   - header: a plain_text text of at most 150 characters;
//   - section: a text (1 to 3000 characters), fields (1 to 10 text objects of at most
//     2000 characters each), or both; expand;
//   - context: 1 to 10 elements, text objects or images;
//   - divider: nothing;
//   - every block: an optional block_id of at most 255 characters;
//   - a text object (https://api.slack.com/reference/block-kit/composition-objects#text):
//     type plain_text or mrkdwn, a non-empty text, emoji only on plain_text, verbatim only
//     on mrkdwn.
//
// A block is checked field by field, and a field Slack does not document for its type
// is refused, as a misspelt field name is refused by Slack ("invalid_blocks"). It is
// stricter than Slack in two ways: block types other than these four, and a section's
// accessory (interactive elements this fake does not model), are refused too.

// blockFields lists the fields each known block type may have.
var blockFields = map[string][]string{
	BlockHeader:  {"type", "block_id", "text"},
	BlockSection: {"type", "block_id", "text", "fields", "expand"},
	BlockContext: {"type", "block_id", "elements"},
	BlockDivider: {"type", "block_id"},
}

// checkPayload reads an incoming-webhook payload. Its text and blocks are checked; the
// other top-level fields (username, icon_emoji, thread_ts, attachments…) are left alone.
func checkPayload(body []byte) (Message, string) {
	var p struct {
		Text   *string         `json:"text"`
		Blocks json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return Message{}, "invalid_payload"
	}
	return checkMessage(p.Text, p.Blocks)
}

// checkMessage checks a message's text and blocks (a JSON array, or nothing) and returns
// the message, or Slack's error code for what is wrong with it.
func checkMessage(text *string, blocks json.RawMessage) (Message, string) {
	var msg Message
	if text != nil {
		msg.Text = *text
	}
	var raw []json.RawMessage
	if len(blocks) > 0 && !bytes.Equal(blocks, []byte("null")) {
		if err := json.Unmarshal(blocks, &raw); err != nil {
			return Message{}, "invalid_blocks_format"
		}
	}
	if msg.Text == "" && len(raw) == 0 {
		return Message{}, "no_text"
	}
	if len(raw) > MaxBlocks {
		return Message{}, "invalid_blocks"
	}
	for _, b := range raw {
		if !checkBlock(b) {
			return Message{}, "invalid_blocks"
		}
	}
	if len(raw) > 0 {
		if err := json.Unmarshal(blocks, &msg.Blocks); err != nil {
			return Message{}, "invalid_blocks"
		}
	}
	return msg, ""
}

// fields decodes a JSON object into its members; ok is false for anything else.
func fields(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	var f map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &f) != nil || f == nil {
		return nil, false
	}
	return f, true
}

// only reports whether every member of f is one of names.
func only(f map[string]json.RawMessage, names ...string) bool {
	for k := range f {
		known := false
		for _, n := range names {
			known = known || k == n
		}
		if !known {
			return false
		}
	}
	return true
}

// str decodes a JSON string of minLen to maxLen characters.
func str(raw json.RawMessage, minLen, maxLen int) (string, bool) {
	var s string
	if len(raw) == 0 || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	n := utf8.RuneCountInString(s)
	return s, n >= minLen && n <= maxLen
}

func isBool(raw json.RawMessage) bool {
	var b bool
	return json.Unmarshal(raw, &b) == nil
}

// array decodes a JSON array of minLen to maxLen items.
func array(raw json.RawMessage, minLen, maxLen int) ([]json.RawMessage, bool) {
	var a []json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &a) != nil {
		return nil, false
	}
	return a, len(a) >= minLen && len(a) <= maxLen
}

func checkBlock(raw json.RawMessage) bool {
	f, ok := fields(raw)
	if !ok {
		return false
	}
	typ, _ := str(f["type"], 1, 64)
	allowed, known := blockFields[typ]
	if !known || !only(f, allowed...) {
		return false
	}
	if id, ok := f["block_id"]; ok {
		if _, ok := str(id, 1, 255); !ok {
			return false
		}
	}
	switch typ {
	case BlockHeader:
		t, ok := textObject(f["text"], MaxHeaderText)
		return ok && t == TextPlain
	case BlockSection:
		text, hasText := f["text"]
		fs, hasFields := f["fields"]
		if !hasText && !hasFields {
			return false
		}
		if hasText {
			if _, ok := textObject(text, MaxSectionText); !ok {
				return false
			}
		}
		if hasFields {
			items, ok := array(fs, 1, MaxFields)
			if !ok {
				return false
			}
			for _, it := range items {
				if _, ok := textObject(it, MaxFieldText); !ok {
					return false
				}
			}
		}
		if e, ok := f["expand"]; ok && !isBool(e) {
			return false
		}
		return true
	case BlockContext:
		els, ok := array(f["elements"], 1, MaxContextElements)
		if !ok {
			return false
		}
		for _, el := range els {
			if !contextElement(el) {
				return false
			}
		}
		return true
	default: // divider: no fields but type and block_id, checked above
		return true
	}
}

// textObject checks a text object of at most maxLen characters and returns its type.
func textObject(raw json.RawMessage, maxLen int) (string, bool) {
	f, ok := fields(raw)
	if !ok || !only(f, "type", "text", "emoji", "verbatim") {
		return "", false
	}
	typ, _ := str(f["type"], 1, 64)
	if typ != TextPlain && typ != TextMrkdwn {
		return "", false
	}
	if _, ok := str(f["text"], 1, maxLen); !ok {
		return "", false
	}
	if e, ok := f["emoji"]; ok && (typ != TextPlain || !isBool(e)) {
		return "", false
	}
	if v, ok := f["verbatim"]; ok && (typ != TextMrkdwn || !isBool(v)) {
		return "", false
	}
	return typ, true
}

// contextElement checks a context element: a text object, or an image element
// (https://api.slack.com/reference/block-kit/block-elements#image) with its alt_text
// and an image_url or slack_file.
func contextElement(raw json.RawMessage) bool {
	f, ok := fields(raw)
	if !ok {
		return false
	}
	if typ, _ := str(f["type"], 1, 64); typ != "image" {
		_, ok := textObject(raw, MaxContextText)
		return ok
	}
	if !only(f, "type", "image_url", "slack_file", "alt_text") {
		return false
	}
	if _, ok := str(f["alt_text"], 1, 2000); !ok {
		return false
	}
	_, hasFile := f["slack_file"]
	_, hasURL := str(f["image_url"], 1, 3000)
	return hasURL || hasFile
}
