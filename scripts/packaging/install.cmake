# Included from CMakeLists.txt: what `cmake --install` puts where, and how `cpack -G DEB` packs it.
#   bin/tfunnel                         the client and the proxy (one binary)
#   sbin/tfunnel-firewall               the firewall rules (root only)
#   lib/systemd/system/tfunnel@.service a template unit, paths made for the install prefix
#   share/doc/tfunnel/                  README.md, PROTOCOL.md, examples/tfunnel.conf
include(GNUInstallDirs)

set(TFUNNEL_SYSTEMD_UNITDIR "lib/systemd/system" CACHE STRING
  "Where tfunnel@.service goes (relative to the install prefix, or absolute)")
set(TFUNNEL_PACKAGE_MAINTAINER "tfunnel maintainers <maintainers@users.noreply.h-seed-2199196d.example>"
  CACHE STRING "The .deb's Maintainer field")

install(TARGETS tfunnel RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(PROGRAMS ${PROJECT_SOURCE_DIR}/scripts/tfunnel-firewall DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/common/PROTOCOL.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/scripts/systemd/tfunnel.conf DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# The unit names the installed files, so it is made at install time, when the prefix is known
# (cmake --install --prefix P, or /usr under cpack); install-time.cmake also says how to give
# the client its capabilities, or gives them (TFUNNEL_SETCAP).
install(CODE "
  set(TFUNNEL_UNIT_IN \"${PROJECT_SOURCE_DIR}/scripts/systemd/tfunnel@.service.in\")
  set(TFUNNEL_UNIT_OUT \"${PROJECT_BINARY_DIR}/install-time/tfunnel@.service\")
  set(TFUNNEL_INSTALL_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
  set(TFUNNEL_INSTALL_SBINDIR \"${CMAKE_INSTALL_SBINDIR}\")
  set(TFUNNEL_INSTALL_DOCDIR \"${CMAKE_INSTALL_DOCDIR}\")
  set(TFUNNEL_INSTALL_UNITDIR \"${TFUNNEL_SYSTEMD_UNITDIR}\")
  if(NOT DEFINED TFUNNEL_SETCAP)
    set(TFUNNEL_SETCAP ${TFUNNEL_SETCAP})
  endif()
")
install(SCRIPT ${PROJECT_SOURCE_DIR}/scripts/packaging/install-time.cmake)

# cpack -G DEB (in the build directory): tfunnel_VERSION_ARCH.deb, installed under /usr.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tfunnel)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "transparent-proxy VPN over any pipe, such as ssh")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "tfunnel makes a remote network reachable as if you were there: every TCP\n"
  "connection and UDP flow to its addresses, with their real IPs, goes through\n"
  "any byte pipe (ssh), with no privileges needed on the remote side.\n"
  "`tfunnel -p PORT -- ssh HOST tfunnel` is the client, a TPROXY listener fed\n"
  "by the rules of tfunnel-firewall; `tfunnel` alone is the proxy on the remote\n"
  "host. Each TCP connection ends locally and only its bytes travel: no TCP\n"
  "over TCP.")
# Installed with DESTDIR=staging and the prefix /usr, whatever CMAKE_INSTALL_PREFIX says: the
# unit must name /usr/bin/tfunnel, not a path in cpack's staging directory.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${TFUNNEL_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libcap2-bin") # setcap, for the postinst
if(NOT TFUNNEL_STATIC)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON) # adds libc6, libstdc++6, libboost-program-options...
endif()
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "iproute2, iptables | nftables, openssh-client")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/scripts/packaging/postinst)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git" "/build[^/]*/")
include(CPack)
