// -u USERNAME | UID:GID (strace's): the launched program runs with a user's ids and
// groups, read from /etc/passwd and /etc/group (no NSS: lstar is a static binary).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "table/result.hpp"

namespace lstar {

struct RunAs {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;  // the primary group and every group that lists the user
};

// The user's entry; an error naming what to do when lstar is not root or there is no such user.
Result<RunAs> find_user(const std::string& name);

// In the child, just before exec: the groups, then the group and user ids. The
// effective ids are the program file's owner where it is set-uid or set-gid (the
// kernel does not raise them under a tracer), as strace does. -errno on failure.
int become_user(const RunAs& user, const std::string& program);

}  // namespace lstar
