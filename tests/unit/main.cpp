#define BOOST_TEST_MODULE tfunnel
#include <boost/test/unit_test.hpp>
