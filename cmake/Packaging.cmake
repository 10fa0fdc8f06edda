# The Debian package: `cpack -G DEB` in a build tree (ci/package does it) makes
# podlife_<version>_<arch>.deb from what `cmake --install` installs (the programs, the examples
# and the documents), under /usr. Its Depends are not written by hand: dpkg-shlibdeps reads the
# programs' ELF dependencies and names the Debian packages of the libraries they link (gRPC,
# protobuf, yaml-cpp, OpenSSL, Abseil, ...), so they follow whatever this build linked.
set(CPACK_PACKAGE_NAME podlife)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "podlife maintainers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "conformance suite for Kubernetes container-lifecycle implementations")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_STRIP_FILES ON)

set(PODLIFE_PACKAGE_MAINTAINER "podlife maintainers <maintainers@users.noreply.h-seed-2339212e.example>"
  CACHE STRING "the Maintainer field of the Debian package")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${PODLIFE_PACKAGE_MAINTAINER}")
# podlife_<version>_<arch>.deb (no Debian revision is set, so none appears in the name).
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The extended description: CPack puts it under the summary line of the Description field.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "podlife tells whether an implementation of the kubelet's container lifecycle
(postStart and preStop hooks, container start and kill, pod sync ordering)
behaves like the kubelet of profile 1.21 or 1.35, over CRI.
.
Programs: podlife (run a pod through the reference engine, run the suite,
serve the engine over the conformance protocol), podlife-conformance (the
suite), podlife-fake-cri (a fake CRI runtime), podlife-cri-proxy (a
recording, fault-injecting CRI proxy) and podlife-cri-smoke (one pod through
any CRI endpoint). Examples and documents are in /usr/share/podlife.")

include(CPack)
