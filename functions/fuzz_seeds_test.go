package functions

// fuzzSeeds are the seeds in code of the fuzz targets: a valid payload of
// every type as docs/PROTOCOL.md writes it, and the edges of each rule.
// The corpus under testdata/fuzz/ adds wrong types, huge numbers, invalid
// UTF-8, NUL bytes and long strings. A payload of "" is a request without
// one.
var fuzzSeeds = []struct{ typ, payload string }{
	{"signUp", `{"username":"alice","password":"secret"}`},
	{"signUp", `{"username":"  Ａｌｉｃｅ  ","password":"p"}`},
	{"signIn", `{"username":"alice","password":"secret"}`},
	{"signIn", `{"username":"alice","password":"secret","create":false}`},
	{"signIn", `{"accessKey":"` + testKey + `"}`},
	{"signIn", `{"accessKey":"short"}`},
	{"signOut", ``},
	{"signOut", `{}`},
	{"users", ``},
	{"users", `{"limit":10,"after":"b2FsaWNl"}`},
	{"users", `{"limit":-1}`},
	{"channelJoin", `{"recipientUUID":""}`},
	{"channelJoin", `{"recipientUUID":"","since":3,"epoch":"k3x9"}`},
	{"channelJoin", `{"recipientUUID":"6f1c1e1e-1111-4111-8111-111111111111","since":0}`},
	{"channelJoin", `{"recipientUUID":"` + fuzzUserUUID + `"}`},
	{"channelLeave", `{"recipientUUID":""}`},
	{"channelLeave", `{"recipientUUID":"6f1c1e1e-1111-4111-8111-111111111111"}`},
	{"channelMessage", `{"recipientUUID":"","message":"hello","clientID":"c-1"}`},
	{"channelMessage", `{"recipientUUID":"6f1c1e1e-1111-4111-8111-111111111111","message":"hi"}`},
	{"channelMessage", `{"recipientUUID":"","message":"a b","clientID":"a b"}`},
	{"channelHistory", `{"recipientUUID":"","before":10,"limit":20}`},
	{"channelHistory", `{"recipientUUID":"","before":1}`},
	{"channelHistory", `{"recipientUUID":"","before":9223372036854775807,"limit":9223372036854775807}`},
	{"channelRead", `{"recipientUUID":"","offset":12}`},
	{"channelRead", `{"recipientUUID":"6f1c1e1e-1111-4111-8111-111111111111","offset":0}`},
	{"channelRead", `{"offset":3}`},
	{"channels", ``},
	{"typing", ``},
	{"typing", `{"recipientUUID":"6f1c1e1e-1111-4111-8111-111111111111"}`},
}

// testKey has the length of an access key.
const testKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

// fuzzUserUUID is fuzzUser's UUID, for seeds that name the user itself.
const fuzzUserUUID = "0b7e6a34-2c1d-4f5e-8a9b-1c2d3e4f5a6b"
