// Tests run on the machine's Node 20 while Lambda runs Node 22; the SDK's notice about its
// future Node support says nothing about our code, so it is kept out of test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
