import { testSuite } from '@overlap/setup';

export default testSuite('test-kernel');
