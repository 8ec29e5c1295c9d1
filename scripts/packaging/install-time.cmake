# Run by cmake --install (and cpack) after the files are copied; install.cmake sets TFUNNEL_UNIT_IN,
# TFUNNEL_UNIT_OUT, TFUNNEL_INSTALL_{BIN,SBIN,DOC,UNIT}DIR (as configured) and TFUNNEL_SETCAP,
# which `cmake -DTFUNNEL_SETCAP=ON -P BUILD/cmake_install.cmake` may override.

# tfunnel_install_path(OUT DIR): DIR under the install prefix (kept if absolute), absolute: the
# unit names it (cmake --install --prefix may be relative to the working directory).
function(tfunnel_install_path out dir)
  if(NOT IS_ABSOLUTE "${dir}")
    set(dir "${CMAKE_INSTALL_PREFIX}/${dir}")
  endif()
  get_filename_component(dir "${dir}" ABSOLUTE)
  set(${out} "${dir}" PARENT_SCOPE)
endfunction()

tfunnel_install_path(TFUNNEL_BINDIR "${TFUNNEL_INSTALL_BINDIR}")
tfunnel_install_path(TFUNNEL_SBINDIR "${TFUNNEL_INSTALL_SBINDIR}")
tfunnel_install_path(TFUNNEL_DOCDIR "${TFUNNEL_INSTALL_DOCDIR}")
tfunnel_install_path(unit_dir "${TFUNNEL_INSTALL_UNITDIR}")

configure_file("${TFUNNEL_UNIT_IN}" "${TFUNNEL_UNIT_OUT}" @ONLY)
file(INSTALL DESTINATION "${unit_dir}" TYPE FILE FILES "${TFUNNEL_UNIT_OUT}")

set(caps cap_net_admin,cap_net_raw,cap_net_bind_service+ep)
set(bin "${TFUNNEL_BINDIR}/tfunnel")
if(NOT "$ENV{DESTDIR}" STREQUAL "")
  message(STATUS "tfunnel: DESTDIR is set, so capabilities are left to the package (the .deb's "
    "postinst runs: setcap ${caps} ${bin})")
elseif(NOT TFUNNEL_SETCAP)
  message(STATUS "tfunnel: the client (tfunnel -p PORT) needs CAP_NET_ADMIN, CAP_NET_RAW and "
    "CAP_NET_BIND_SERVICE, or root. As root, give them to the installed binary with\n"
    "     setcap ${caps} ${bin}\n"
    "   again after each install that replaces it (or configure with -DTFUNNEL_SETCAP=ON and "
    "cmake --install does it). The proxy (tfunnel) needs none.")
else()
  if(NOT TFUNNEL_SETCAP_PROGRAM)
    find_program(TFUNNEL_SETCAP_PROGRAM setcap PATHS /usr/sbin /sbin)
  endif()
  if(NOT TFUNNEL_SETCAP_PROGRAM OR NOT EXISTS "${TFUNNEL_SETCAP_PROGRAM}")
    message(FATAL_ERROR "tfunnel: TFUNNEL_SETCAP is ON but setcap is not installed "
      "(Debian: apt-get install libcap2-bin)")
  endif()
  execute_process(COMMAND "${TFUNNEL_SETCAP_PROGRAM}" "${caps}" "${bin}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    string(STRIP "${out}" out)
    message(FATAL_ERROR "tfunnel: TFUNNEL_SETCAP: `setcap ${caps} ${bin}` failed (${rc}): ${out}\n"
      "It needs root (CAP_SETFCAP) and a file system with extended attributes.")
  endif()
  message(STATUS "tfunnel: gave ${bin} ${caps}")
endif()
