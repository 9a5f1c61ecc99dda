package scaletest

import (
	"os"
	"testing"

	"github.com/redischat/chat/internal/lifecycletest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	lifecycletest.RemoveBuild() // the server binary the fleets ran
	os.Exit(code)
}
