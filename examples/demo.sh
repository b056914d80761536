#!/bin/sh
# The README's main-job command (make demo) runs this after building.
# Until the launcher can start domains, it shows the launch plan vunet
# derives from examples/demo.xml: the backend command, then QEMU's.
set -eu
cd "$(dirname "$0")/.."
echo "== vunet validate examples/demo.xml"
build/vunet validate examples/demo.xml
echo "valid."
echo
echo "== vunet domxml-to-native examples/demo.xml"
build/vunet domxml-to-native examples/demo.xml
