// The file-system view's map and resolver (handlers/path_view.cpp) on a real
// tree: guest and host names, `..` at the root, links (absolute, relative,
// through a bind), hidden names, the link limit, and the options it refuses.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "handlers/path_view.hpp"

namespace fs = std::filesystem;
using lstar::FsViewOptions;
using lstar::PathView;

namespace {

struct Tree {
    std::string dir;
    Tree() {
        char t[] = "/tmp/lstar-path-view-XXXXXX";
        dir = ::mkdtemp(t);
        fs::create_directories(dir + "/root/etc");
        fs::create_directories(dir + "/root/mnt");
        fs::create_directories(dir + "/data/sub");
        std::ofstream(dir + "/root/etc/motd") << "motd\n";
        fs::create_symlink("/etc/motd", dir + "/root/abs");
        fs::create_symlink("../../../../etc", dir + "/root/mnt/up");
        fs::create_symlink("loop", dir + "/root/loop");
        fs::create_symlink("/", dir + "/data/top");
    }
    ~Tree() { fs::remove_all(dir); }
};

PathView make(const FsViewOptions& o) {
    PathView v;
    lstar::Status s = v.configure(o);
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
    return v;
}

std::string guest(const PathView& v, const std::string& base, const std::string& path, bool follow = true) {
    auto r = v.resolve(base, path, follow, ::getpid(), ::getpid());
    return r ? r->guest : "error " + std::to_string(r.error().err);
}

}  // namespace

TEST(PathView, NormalisesAndClampsAtTheRoot) {
    EXPECT_EQ(lstar::normalise_guest("/a/./b/../c/"), "/a/c");
    EXPECT_EQ(lstar::normalise_guest("/../../x"), "/x");
    EXPECT_EQ(lstar::normalise_guest("//"), "/");
    EXPECT_TRUE(lstar::path_within("/a/b", "/a"));
    EXPECT_FALSE(lstar::path_within("/ab", "/a"));
}

// The tree's root, with its data directory bound at /mnt/data.
PathView rooted(const Tree& t) {
    FsViewOptions o;
    o.root = t.dir + "/root";
    o.binds.push_back({t.dir + "/data", "/mnt/data"});
    return make(o);
}

TEST(PathView, MapsBothWays) {
    Tree t;
    PathView v = rooted(t);
    EXPECT_EQ(v.host_of("/"), t.dir + "/root");
    EXPECT_EQ(v.host_of("/etc/motd"), t.dir + "/root/etc/motd");
    EXPECT_EQ(v.host_of("/mnt/data/sub"), t.dir + "/data/sub");
    EXPECT_EQ(v.guest_of(t.dir + "/data/sub").value_or("none"), "/mnt/data/sub");
    EXPECT_EQ(v.guest_of(t.dir + "/root").value_or("none"), "/");
    EXPECT_FALSE(v.guest_of("/usr"));
}

TEST(PathView, LinksAndDotDotStayInside) {
    Tree t;
    PathView v = rooted(t);
    EXPECT_EQ(guest(v, "/", "/abs"), "/etc/motd");
    EXPECT_EQ(guest(v, "/", "/abs", false), "/abs");
    EXPECT_EQ(guest(v, "/", "/mnt/up/motd"), "/etc/motd");
    EXPECT_EQ(guest(v, "/mnt", "../../../../etc/motd"), "/etc/motd");
    EXPECT_EQ(guest(v, "/", "/mnt/data/top/etc"), "/etc");  // a bind's absolute link: the view's root
    EXPECT_EQ(guest(v, "/", "/mnt/data/../../etc"), "/etc");
    EXPECT_EQ(guest(v, "/", "/loop"), "error " + std::to_string(ELOOP));
}

TEST(PathView, HiddenAndReadOnly) {
    Tree t;
    FsViewOptions o;
    o.root = t.dir + "/root";
    o.hide = {"/etc/motd"};
    o.read_only = {"/etc"};
    PathView v = make(o);
    EXPECT_EQ(guest(v, "/", "/etc/motd"), "error " + std::to_string(ENOENT));
    EXPECT_EQ(guest(v, "/", "/abs"), "error " + std::to_string(ENOENT));  // followed to it
    EXPECT_EQ(guest(v, "/", "/abs", false), "/abs");
    EXPECT_TRUE(v.read_only("/etc/passwd"));
    EXPECT_FALSE(v.read_only("/etcetera"));
    EXPECT_EQ(v.hidden_entries("/etc"), std::vector<std::string>{"motd"});
}

TEST(PathView, RefusesWhatCannotBe) {
    Tree t;
    auto refused = [](const FsViewOptions& o) {
        PathView v;
        return !v.configure(o);
    };
    FsViewOptions missing;
    missing.root = t.dir + "/nothing";
    EXPECT_TRUE(refused(missing));
    FsViewOptions onto_root;
    onto_root.binds.push_back({t.dir, "/"});
    EXPECT_TRUE(refused(onto_root));
    FsViewOptions twice;
    twice.binds = {{t.dir + "/data", "/mnt"}, {t.dir + "/root", "/mnt"}};
    EXPECT_TRUE(refused(twice));
    FsViewOptions hides_bind;
    hides_bind.binds = {{t.dir + "/data", "/mnt/d"}};
    hides_bind.hide = {"/mnt"};
    EXPECT_TRUE(refused(hides_bind));
    FsViewOptions relative;
    relative.read_only = {"etc"};
    EXPECT_TRUE(refused(relative));
}

// What the walk holds is what it walked: the directory of the last component and
// the object, by descriptor. A directory renamed away afterwards and a link to
// the outside put in its place change neither; a missing name says where.
TEST(PathView, HoldsWhatItWalked) {
    Tree t;
    PathView v = rooted(t);
    auto r = v.resolve("/", "/etc/motd", true, ::getpid(), ::getpid());
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_TRUE(r->held && r->held->parent && r->held->object);
    EXPECT_EQ(r->held->last, "motd");
    struct stat etc, parent, motd, object;
    ASSERT_EQ(::stat((t.dir + "/root/etc").c_str(), &etc), 0);
    ASSERT_EQ(::stat((t.dir + "/root/etc/motd").c_str(), &motd), 0);
    fs::rename(t.dir + "/root/etc", t.dir + "/root/etc.moved");
    fs::create_symlink(t.dir + "/data", t.dir + "/root/etc");
    ASSERT_EQ(::fstat(r->held->parent.get(), &parent), 0);
    ASSERT_EQ(::fstat(r->held->object.get(), &object), 0);
    EXPECT_EQ(parent.st_ino, etc.st_ino);
    EXPECT_EQ(object.st_ino, motd.st_ino);
    // Walked again, the link's absolute target is the view's: not there.
    auto again = v.resolve("/", "/etc/motd", true, ::getpid(), ::getpid());
    ASSERT_TRUE(again);
    EXPECT_EQ(again->held->failed, ENOENT);
    EXPECT_TRUE(again->held->middle);
    // A name not followed is left in its directory, unopened; the root has no directory.
    auto name = v.resolve("/", "/etc.moved/motd", false, ::getpid(), ::getpid());
    ASSERT_TRUE(name);
    EXPECT_TRUE(name->held->parent && !name->held->object);
    auto root = v.resolve("/", "/", true, ::getpid(), ::getpid());
    ASSERT_TRUE(root);
    EXPECT_TRUE(!root->held->parent && root->held->object);
    // A bind's place is its host directory, whatever the root holds there.
    auto bind = v.resolve("/", "/mnt/data/sub", true, ::getpid(), ::getpid());
    ASSERT_TRUE(bind);
    struct stat sub, held_sub;
    ASSERT_EQ(::stat((t.dir + "/data/sub").c_str(), &sub), 0);
    ASSERT_EQ(::fstat(bind->held->object.get(), &held_sub), 0);
    EXPECT_EQ(held_sub.st_ino, sub.st_ino);
}
