package slack

// Block Kit, as much of it as cdnwatch sends: header, section, context and divider blocks
// (https://api.slack.com/reference/block-kit/blocks) holding plain_text and mrkdwn text
// objects (https://api.slack.com/reference/block-kit/composition-objects#text). The
// types are our own, not a client library's: a whole Slack client (every Web API method,
// its real-time client) for four block types and two JSON POSTs cost the Lambda binary
// 0.33 MB. The Go field tags are Slack's JSON names; the tests decode what these types
// encode into slack-go's types and compare every block and text, so a wrong name fails
// there (slackgo_test.go).

// Block types (the "type" field of a block).
const (
	BlockHeader  = "header"
	BlockSection = "section"
	BlockContext = "context"
	BlockDivider = "divider"
)

// Text object types (the "type" field of a text object).
const (
	TextPlain  = "plain_text"
	TextMrkdwn = "mrkdwn"
)

// Message is a Slack message as cdnwatch posts it: the JSON body of an incoming-webhook
// POST (https://api.slack.com/messaging/webhooks), and the message arguments of
// chat.postMessage and chat.update (https://api.slack.com/methods/chat.postMessage,
// https://api.slack.com/methods/chat.update). Text is the fallback Slack shows in
// notifications and where blocks cannot be displayed.
type Message struct {
	Text   string  `json:"text,omitempty"`
	Blocks []Block `json:"blocks,omitempty"`
}

// Block is one layout block. Which fields a block uses depends on its Type: a header
// has a plain_text Text; a section a Text, Fields, or both; a context its Elements
// (text objects here; Slack also allows images); a divider nothing.
type Block struct {
	Type     string        `json:"type"`
	Text     *TextObject   `json:"text,omitempty"`
	Fields   []*TextObject `json:"fields,omitempty"`
	Elements []*TextObject `json:"elements,omitempty"`
}

// TextObject is a text composition object. Emoji is only for plain_text (nil: Slack's
// default, emoji shortcodes shown as emoji); Verbatim only for mrkdwn.
type TextObject struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	Emoji    *bool  `json:"emoji,omitempty"`
	Verbatim bool   `json:"verbatim,omitempty"`
}

func headerBlock(t *TextObject) Block { return Block{Type: BlockHeader, Text: t} }

func sectionBlock(t *TextObject) Block { return Block{Type: BlockSection, Text: t} }

func fieldsBlock(fs []*TextObject) Block { return Block{Type: BlockSection, Fields: fs} }

func contextBlock(els ...*TextObject) Block { return Block{Type: BlockContext, Elements: els} }

// plain is a plain_text object with emoji off, so a ":fire:" in a label stays as typed.
func plain(s string) *TextObject {
	off := false
	return &TextObject{Type: TextPlain, Text: s, Emoji: &off}
}

// mrkdwn is a mrkdwn object with verbatim on: without it Slack links bare URLs and
// channel names and parses some mentions on its own
// (https://api.slack.com/reference/block-kit/composition-objects#text).
func mrkdwn(s string) *TextObject {
	return &TextObject{Type: TextMrkdwn, Text: s, Verbatim: true}
}
