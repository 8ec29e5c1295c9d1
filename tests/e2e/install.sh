#!/usr/bin/env bash
# Installing from the build directory that holds TFUNNEL_BIN (no rebuild):
# - cmake --install --prefix TMP puts bin/tfunnel, sbin/tfunnel-firewall, the systemd unit (naming
#   those installed paths) and the documentation there, nothing else; the installed tfunnel runs
#   (in an empty environment too) and the install says how to setcap it;
# - with TFUNNEL_SETCAP=ON the installed file gets its capabilities, and the install fails with a
#   clear message when setcap is missing or fails;
# - cpack -G DEB makes a .deb with those files under /usr, its metadata (name, version, section
#   net, maintainer, depends, recommends) and a postinst that runs setcap.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

CAPS=cap_net_admin,cap_net_raw,cap_net_bind_service+ep

e2e_begin
require_progs cmake cpack dpkg-deb dpkg
BUILD=$(cd "$(dirname "$TFUNNEL_BIN")" && pwd)
[[ -f $BUILD/cmake_install.cmake && -f $BUILD/CPackConfig.cmake ]] ||
	skip "$BUILD is not a build directory of tfunnel (no cmake_install.cmake or CPackConfig.cmake)"
VERSION_LINE=$("$TFUNNEL_BIN" --version) # tfunnel VERSION protocol N
[[ $VERSION_LINE =~ ^tfunnel\ ([0-9]+\.[0-9]+[^ ]*) ]] || die "tfunnel --version printed '$VERSION_LINE'"
VERSION=${BASH_REMATCH[1]}

# expect_files ROOT FILE...: the regular files under ROOT are exactly FILE... (paths from ROOT).
expect_files() {
	local root=$1 got want
	shift
	got=$(cd "$root" && find . -type f -printf '%P\n' | sort)
	want=$(printf '%s\n' "$@" | sort)
	[[ $got == "$want" ]] || die "files under $root:"$'\n'"$got"$'\n'"want:"$'\n'"$want"
}

# expect_unit_paths UNIT BINDIR SBINDIR: the unit runs BINDIR/tfunnel and SBINDIR/tfunnel-firewall.
expect_unit_paths() {
	local unit=$1
	grep -qxF "ExecStartPre=+$3/tfunnel-firewall up --name tf-%i -p \${PORT} --ssh-server [\${SSH_HOST}]:\${SSH_PORT} \$FIREWALL_OPTS \$SUBNETS" "$unit" ||
		die "$unit: no ExecStartPre running $3/tfunnel-firewall up"
	grep -qE "^ExecStart=$2/tfunnel -p \\$\\{PORT\\} --reconnect --remote " "$unit" ||
		die "$unit: no ExecStart running $2/tfunnel -p PORT --reconnect --remote"
	grep -qxF "ExecStopPost=+$3/tfunnel-firewall down --name tf-%i" "$unit" ||
		die "$unit: no ExecStopPost running $3/tfunnel-firewall down"
	! grep -q '@TFUNNEL_' "$unit" || die "$unit: a placeholder was left: $(grep '@TFUNNEL_' "$unit")"
}

# --- cmake --install --prefix ------------------------------------------------------------------

PREFIX=$E2E_TMP/prefix
e2e_log "cmake --install $BUILD --prefix $PREFIX"
cmake --install "$BUILD" --prefix "$PREFIX" >"$E2E_TMP/install.log" 2>&1 ||
	die "cmake --install failed: $(cat "$E2E_TMP/install.log")"
expect_files "$PREFIX" bin/tfunnel sbin/tfunnel-firewall lib/systemd/system/tfunnel@.service \
	share/doc/tfunnel/README.md share/doc/tfunnel/PROTOCOL.md share/doc/tfunnel/examples/tfunnel.conf
[[ -x $PREFIX/bin/tfunnel && -x $PREFIX/sbin/tfunnel-firewall ]] || die "installed programs are not executable"
got=$("$PREFIX/bin/tfunnel" --version) || die "installed tfunnel --version failed"
[[ $got == "$VERSION_LINE" ]] || die "installed tfunnel --version printed '$got'"
got=$(env -i "$PREFIX/bin/tfunnel" --version) || die "installed tfunnel --version failed in an empty environment"
"$PREFIX/sbin/tfunnel-firewall" --help | grep -q '^Usage: tfunnel-firewall up' ||
	die "installed tfunnel-firewall --help printed no usage"
grep -qF "setcap $CAPS $PREFIX/bin/tfunnel" "$E2E_TMP/install.log" ||
	die "cmake --install did not say how to setcap the client: $(cat "$E2E_TMP/install.log")"
expect_unit_paths "$PREFIX/lib/systemd/system/tfunnel@.service" "$PREFIX/bin" "$PREFIX/sbin"
# shellcheck disable=SC2016 # a regular expression and a set of characters, not expansions
for var in $(grep -oE '\$\{?[A-Z_]+' "$PREFIX/lib/systemd/system/tfunnel@.service" | tr -d '${' | sort -u); do
	grep -qE "^$var=" "$PREFIX/share/doc/tfunnel/examples/tfunnel.conf" ||
		die "the unit uses \$$var, which the example tfunnel.conf does not set"
done
if command -v systemd-analyze >/dev/null 2>&1; then
	cp "$PREFIX/lib/systemd/system/tfunnel@.service" "$E2E_TMP/tfunnel@e2e.service"
	systemd-analyze verify "$E2E_TMP/tfunnel@e2e.service" >"$E2E_TMP/verify.log" 2>&1 ||
		die "systemd-analyze verify: $(cat "$E2E_TMP/verify.log")"
	[[ ! -s $E2E_TMP/verify.log ]] || die "systemd-analyze verify: $(cat "$E2E_TMP/verify.log")"
	e2e_log "systemd-analyze verify: the unit is clean"
else
	e2e_log "no systemd-analyze: the unit is not verified"
fi

# --- TFUNNEL_SETCAP ----------------------------------------------------------------------------

# install_setcap PREFIX [-DVAR=VALUE...]: the install script with TFUNNEL_SETCAP=ON, output to
# $E2E_TMP/setcap.log.
install_setcap() {
	local prefix=$1
	shift
	cmake -DCMAKE_INSTALL_PREFIX="$prefix" -DTFUNNEL_SETCAP=ON "$@" -P "$BUILD/cmake_install.cmake" \
		>"$E2E_TMP/setcap.log" 2>&1
}

if command -v setcap >/dev/null && command -v getcap >/dev/null; then
	e2e_log "TFUNNEL_SETCAP=ON: the installed tfunnel gets $CAPS"
	install_setcap "$E2E_TMP/capped" || die "install with TFUNNEL_SETCAP=ON failed: $(cat "$E2E_TMP/setcap.log")"
	got=$(getcap "$E2E_TMP/capped/bin/tfunnel")
	for cap in cap_net_admin cap_net_raw cap_net_bind_service; do
		[[ $got =~ [\ ,]${cap}[,=] && $got == *=ep ]] || die "getcap of the installed tfunnel: '$got', no $cap=ep"
	done
	[[ -z $(getcap "$TFUNNEL_BIN") ]] || e2e_log "note: $TFUNNEL_BIN itself has capabilities"
	e2e_log "TFUNNEL_SETCAP=ON without setcap fails and says so"
	if install_setcap "$E2E_TMP/nosetcap" -DTFUNNEL_SETCAP_PROGRAM="$E2E_TMP/no/setcap"; then
		die "install with TFUNNEL_SETCAP=ON and no setcap succeeded"
	fi
	grep -q 'setcap is not installed' "$E2E_TMP/setcap.log" ||
		die "install without setcap did not say so: $(cat "$E2E_TMP/setcap.log")"
	if command -v capsh >/dev/null; then
		e2e_log "TFUNNEL_SETCAP=ON where setcap fails (no CAP_SETFCAP) fails and says so"
		if capsh --drop=cap_setfcap -- -c 'exec "$@"' capsh cmake -DCMAKE_INSTALL_PREFIX="$E2E_TMP/failcap" \
			-DTFUNNEL_SETCAP=ON -P "$BUILD/cmake_install.cmake" >"$E2E_TMP/setcap.log" 2>&1; then
			die "install with TFUNNEL_SETCAP=ON succeeded without CAP_SETFCAP"
		fi
		grep -q "setcap $CAPS $E2E_TMP/failcap/bin/tfunnel. failed" <(tr -s ' \n' ' ' <"$E2E_TMP/setcap.log") ||
			die "a failing setcap was not reported: $(cat "$E2E_TMP/setcap.log")"
	fi
else
	e2e_log "no setcap or getcap (libcap2-bin): TFUNNEL_SETCAP is not tested"
fi

# --- cpack -G DEB ------------------------------------------------------------------------------

e2e_log "cpack -G DEB"
(cd "$E2E_TMP" && cpack --config "$BUILD/CPackConfig.cmake" -G DEB -B "$E2E_TMP/pkg") \
	>"$E2E_TMP/cpack.log" 2>&1 || die "cpack -G DEB failed: $(cat "$E2E_TMP/cpack.log")"
ARCH=$(dpkg --print-architecture)
DEB=$E2E_TMP/pkg/tfunnel_${VERSION}_$ARCH.deb
[[ -f $DEB ]] || die "cpack made no $DEB: $(ls "$E2E_TMP/pkg")"
dpkg-deb -I "$DEB" >"$E2E_TMP/deb-info.txt"
field() { dpkg-deb -f "$DEB" "$1"; }
[[ $(field Package) == tfunnel ]] || die "Package: $(field Package)"
[[ $(field Version) == "$VERSION" ]] || die "Version: $(field Version), want $VERSION"
[[ $(field Architecture) == "$ARCH" ]] || die "Architecture: $(field Architecture)"
[[ $(field Section) == net ]] || die "Section: $(field Section)"
[[ $(field Maintainer) =~ ^[^\<]+\ \<[^@]+@[^\>]+\>$ ]] || die "Maintainer: $(field Maintainer)"
[[ $(field Description) == *transparent-proxy* ]] || die "Description: $(field Description)"
[[ $(field Depends) == *libcap2-bin* ]] || die "Depends: $(field Depends), no libcap2-bin"
if file -L "$TFUNNEL_BIN" 2>/dev/null | grep -q 'dynamically linked'; then
	[[ $(field Depends) == *libc6* ]] || die "Depends: $(field Depends), no libc6 (shlibdeps)"
fi
[[ $(field Recommends) == *"iptables | nftables"* && $(field Recommends) == *openssh-client* ]] ||
	die "Recommends: $(field Recommends)"
dpkg-deb -c "$DEB" | awk '{ print $NF }' >"$E2E_TMP/deb-files.txt"
for f in ./usr/bin/tfunnel ./usr/sbin/tfunnel-firewall ./usr/lib/systemd/system/tfunnel@.service \
	./usr/share/doc/tfunnel/README.md ./usr/share/doc/tfunnel/PROTOCOL.md \
	./usr/share/doc/tfunnel/examples/tfunnel.conf; do
	grep -qxF "$f" "$E2E_TMP/deb-files.txt" || die "the .deb has no $f: $(cat "$E2E_TMP/deb-files.txt")"
done
dpkg-deb -e "$DEB" "$E2E_TMP/control"
[[ -x $E2E_TMP/control/postinst ]] || die "the .deb has no executable postinst"
grep -qF "setcap $CAPS /usr/bin/tfunnel" "$E2E_TMP/control/postinst" || die "the postinst does not setcap"
sh -n "$E2E_TMP/control/postinst" || die "the postinst is not valid sh"
dpkg-deb -x "$DEB" "$E2E_TMP/root"
got=$("$E2E_TMP/root/usr/bin/tfunnel" --version) || die "the packaged tfunnel --version failed"
[[ $got == "$VERSION_LINE" ]] || die "the packaged tfunnel --version printed '$got'"
expect_unit_paths "$E2E_TMP/root/usr/lib/systemd/system/tfunnel@.service" /usr/bin /usr/sbin
e2e_log "$(basename "$DEB"): $(stat -c %s "$DEB") bytes, Depends: $(field Depends)"
