@testable import GatewayCore
import Testing

// The fast SHA-256 (in-place blocks, stack padding, unrolled rounds) against digests produced by
// `openssl dgst -sha256` (and `-mac HMAC -macopt hexkey:…` for HMAC), on pseudo-random inputs of every length from
// 0 to 199 bytes (every padding case: 55/56/63/64/65, 119/120, 127/128 …) and longer multi-block lengths.

/// xorshift32 bytes, as the generator that asked openssl for the digests below produced them.
func xorshiftBytes(seed: UInt32, count: Int) -> [UInt8] {
    var x = seed == 0 ? 1 : seed
    var out: [UInt8] = []
    out.reserveCapacity(count)
    for _ in 0..<count {
        x ^= x << 13
        x ^= x >> 17
        x ^= x << 5
        out.append(UInt8(truncatingIfNeeded: x))
    }
    return out
}

/// (length, digest) with the input `xorshiftBytes(seed: length + 1, count: length)`; digests from openssl.
let opensslDigests: [(Int, String)] = [
    (0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    (1, "df7e70e5021544f4834bbee64a9e3789febc4be81470df629cad6ddb03320a5c"),
    (2, "dc47cde569e8675a51606f0a0c7c224f596f885f31a1460c1e5e23734b8e6ad9"),
    (3, "3ce33480ad2a09abb7af56f8e6c43a77e11510a36cefd19288371ab778a31175"),
    (4, "0917a167444155403f72730c21cb8c9663d38bddfdb9f606618ad13428e7c182"),
    (5, "c096d34fcc61e296eeb0babd8e5ce78b558a0f222774aecaf4c4627ed4d0a2c0"),
    (6, "02342591d4d084500ec8e4da777f690f6c18b2b3990305b73a215c7513f1cab9"),
    (7, "9c5e2dc988f512cb8d8701bda0a233320c949f8fd4e94551a265d8c5ddcac69f"),
    (8, "19932347bfcfcb350eb991bebb3c86fb967f3d976d4745401015f3919288fc31"),
    (9, "796b2f2527290b5345ca928a70b80ad052e6b7737694a85b481453a65baa589d"),
    (10, "f2c0afbc3361f04afbf9e40d7dc7a8042b61f84d7d7bb2aa0788270981f15cab"),
    (11, "d068798dd6e45e4400655d964c0993c35446b7f78bb09536ec108169ea92751d"),
    (12, "1d6e24b857516c322f75ac59ddc4d82e9050005d72884f241934966fe88d92a2"),
    (13, "983d65de4ad7f663536d423d54fa48d6707b33d6c7974523b3739f6f95a3f936"),
    (14, "5fbc06169c2c39571bf9defb843ac7ff38a267f623e2c903671d27b6821fc82a"),
    (15, "b411426efdeeaae6cd759ed0ac02e7e17c9f93a779cf02d27971907f72e4c7ef"),
    (16, "6cd6672b60eee630d5acaa9678338ca179c25ab11423f3a22bccc51c0786fc88"),
    (17, "c09d3cdd20c7041e5b60455ccc2140cababe5c18fa44f47f282ab0ebddbb7a41"),
    (18, "859ad920ae05a68bce079b40490e4ad798a5fff2f6934ecaa6754d2cf13af901"),
    (19, "9833bf0dec1beabad3e78b6c6dfc68cf7b6913e91e9b0d54e4a0669760fa404a"),
    (20, "c65dd61240b0a15ee94e8f2ccb2fe471a50c5a6d1a1bab51c918d5e3c196bbfb"),
    (21, "bf6bc2b24db1e6ee7506112b47c0262232fa7ef39e7bb92a73a33e9602f5a401"),
    (22, "16788021816eac9a4ef183bfe38168b24a14476cf77ed26dde588926d0954b81"),
    (23, "87b6dfc6b3c899c793808536b7876f0f54155423a5f8658fc1bf3ec9d59cefaa"),
    (24, "679fc3774bc88666efef1f2dec82894b22de0defdea13a1556250990acdf0cc1"),
    (25, "a001e52b3b7d18f8db391688d289daa162773a50c394690c0092ddcbd4108c1b"),
    (26, "dbbef6dc25bb00cfdce1df97d250171d2361bbf0d5f82a68910a6049b0d00e7b"),
    (27, "a0ed6b76ce4c16d21b24ec534a6277d99bfb1925864a06ae34290429281ce059"),
    (28, "71201e5638f2310b0efda51c171aa51dfeb9f167984ab43c9529d626b9487e26"),
    (29, "2db9eec097d957d081933945e8970bf38624e0baf0bffe9726117b949caca196"),
    (30, "37ac7b0c3836e105f8d24e0abd12a47cae8baccf15954c8b21ba8d0e3ca69f07"),
    (31, "a22f3a0dae330afac961d227b109184ac168ffa531da8418ad3049c35210a46e"),
    (32, "9b9d0b7b93e9371c27ebf8a55641ce97ca8048d5447cd72dd528efa930d30f23"),
    (33, "c84db702143f1f05b1c8ba1f989f267aae0ab2269f8f633e8895ae8088c19416"),
    (34, "ed66a0045bbb46c98a892031920b0d42841f4518e1c2a438ddffcaf64b0fec68"),
    (35, "9edbe0a9d353fa0cc4b28df77c271feb8871546dfa25480099086e28698d992b"),
    (36, "36d3bf19a9c8c145c745bde07a040743049aec732cf7c248a1d5a4d5d7aef865"),
    (37, "07e328ddd0b6063b31d4ff923356142a9b986176e9e890c5a802512b6f8b4535"),
    (38, "1086e331e3c1076144e3dd4fd9c18bd28936fc25a74a139948785d5cf4606f58"),
    (39, "7352bb2a9cfaa02fa30cab28e4803d0424af18ef585719b391d297641e301fc5"),
    (40, "63eb7c10d6554ab441993236677c6fe04d383ad08f079102c89153b0127d5918"),
    (41, "3872ead644720965ef4675baa9f26afefa4460186526df222e6499a22f6b45c2"),
    (42, "6c066c5b1325813ad547ae65fe3af1112c4fd3898f74216e1884b4843385098c"),
    (43, "61b599bdb31bce939fef7b2cb89b5de37d8c5514bef082f17239052e105a9788"),
    (44, "c11e183a8d0f51bbe7da7960e87ec7e6ca06a16c1dd8424f1745ded735153327"),
    (45, "d6629c1486a1c2515a5f20d2e153d64443099a1a67afba910ca3e88971bcab0a"),
    (46, "f90bcb55115863ab2fb0e1012935d736b0135fffc70e5f05859c257d0601852a"),
    (47, "75136500e22e9778354a4a73379a06abbb1032bebbbc51cb8d8f5ca59b1b368f"),
    (48, "a180a6423d20c7442d03fe50403652feb9808b38471edf8cb37a908189d33535"),
    (49, "bce3378ae15f3edd1bd8c4cc6a9b32c5132d26e3773425a89415a1fcfa890f74"),
    (50, "d229119b5f905b33b64eb4656f3d3fc11443472ea3abe9d1aefa522e494fe1ac"),
    (51, "0cbeed45156b9b47f5cbfb641d3e803839959089a9424ec01c9c19b7f6aab1b2"),
    (52, "68626e3aa0205f50722c39217cbeb6048fda0b694fff275508a3709caa2b029f"),
    (53, "51007a20f9346334a3baf3726c56985729261ff58169b83bf88f0a7f10bf1739"),
    (54, "de9257c1890371083ba0e699a336e24373a7f95a9e87993eae0cc56e9ba55a3a"),
    (55, "8c15320cc1ba943b9b906441c908f23deb0d8b6c5cb9b4d2cadff08d448d361a"),
    (56, "33c6bfb32772bd060c8ff4dc020d2608c32714437bc15b96a46b0be11aeb5bcf"),
    (57, "6bfa744513793b186a5bf72820e6d5937210ac868e228e556dc3e0f99d750eef"),
    (58, "5e5b78068e98ee7c6a27d93ce6a24ef267b60a70922f1ee017533290915ab5bb"),
    (59, "ea405391ae4ce898dda82cdb252188d8d541328aee84c516b03cb5abcaa15d26"),
    (60, "6117f20d56c7e8cb1b17faeb9c71e46536ea3ba7841fb74170470e30d3e1573b"),
    (61, "a2e1a6c57e9c4ca1f317df9adb1c90b555c87551ce865c3d26f61ab5e157ae03"),
    (62, "1bbd3d9e34dd6382e55f7203af8197147cee680bb225c277ed4b56ebbc3c60ec"),
    (63, "f2fbdcd1a9d8b9a16bcd3e02607f7ffdac9976b0b08c8ebbcf3df187d69b7e3e"),
    (64, "32a8b1b95c2ac68d124b40d74b5c7636cd34b7023bfb8aa01fa9d12a5dad0cea"),
    (65, "1f66d3dc63fcfea1beaf8c21a11ff42347f549168aa050c5efd099f7f0cbb806"),
    (66, "7405db2341f75b32fbaa7741e3c13aac22cf75e1490724b0ebf3fb73d3829851"),
    (67, "4c010d962ec6029cef2ffcf1cd10db8ee63b0179d89789ba8dba37196df0a118"),
    (68, "0fe9b86efc83277849bc36af32c034d94441fe3b2a7d65005a04511ba9c36b69"),
    (69, "8fb58dba4f8c90e8a247a7c55e2bc724b1350add16412d40da4e35d4ee455475"),
    (70, "a5f28af11519fe64d9fc15fbce3fb90836c0dd22224e366187fa09004ea1c700"),
    (71, "3fae5bf9eb1c61a091379be045400cc8a06809dff48657a64583ca598ff41bcd"),
    (72, "90ff33f4371dba382d33c8f987de0d4ba20bf6c9ed2f72e6e1242be3bb66e4ba"),
    (73, "f577cd11a3307d4bfb12ade38143dc97e1d4330ece54c0925f66490e2df5df39"),
    (74, "a2ade5acdb60eeec2bd0c5bbf292f7054416f17c4d5803d178b78e607874114c"),
    (75, "8e3bbe6cbf7d7c829331baa5f142b1c0238cf1432746f2eae13e13381cb042ec"),
    (76, "2ee1b8c2729488de4894a8b8119ee51ebd5f992b9e025e76f1867287c691900f"),
    (77, "4d749425c59cbddfd04b0200fa7a31088473380ef6eea4f1b3f9e7dbfccbf438"),
    (78, "419ba51bf8ae4077cf5177358fec73a7f36866eb41153b8fb43ada1ebd4a09fc"),
    (79, "a6da4063cef7f017dd0f35ea05ac19f5bbb37e2fd167656134b03f7984933909"),
    (80, "170df2ff41b350d93fcfcaf6516b08c21a550e22b01cdb301835438855844d3e"),
    (81, "2642ed909fd6fa4508b72e10bbde5d45f61fac17126d1f1d1767fa2e357323c8"),
    (82, "28c475f9a30dddf8d14b2f3ec7ec6a4733ce7e1e9c8a6f8161c26e78639e8d17"),
    (83, "b3c95cea49cd8529cae56489a0b86e63c62dfc6e13a865df41e3ee47ac04b20b"),
    (84, "3f766c6420bed105dd380bff5363cc0dc36c5f589eeeeadfe9f080e6ef36d5fe"),
    (85, "abdd674753ec6bf7d38ce33cb787d905307c242ad6c0353ca3f2bf1e9149767e"),
    (86, "aad3b5f895287f0f2bafb8ecf28d459ab3d7254d587a56d653b1bb72dd347e61"),
    (87, "002cd0faa5face40c2d2779d3042f1b217ecf91fe6c6d68a08054729ae2c431b"),
    (88, "ace3f787acd757b1e4af0af7091e3b24a90aed0b2201c292e62dd2a0cb473e96"),
    (89, "8abf9303cf7e161630f513352958575618f5d7a1bfbe318e4214f3b270efe677"),
    (90, "3d0b9e32256060657348800ce673dfd9729f489ba65fb6214c2b392d6a235eae"),
    (91, "6fa6b0f3022c289170d48a60dc096a6a4d7be688d5e3846252b03be98cc331df"),
    (92, "02dd5cf40b11ecbe882a62be1ccdc9a9243c35a65554be34359d87485f0b4aec"),
    (93, "334dfd78fa36fbd9158752715e207c0a3df39120e813063ab27eac1fe4af489d"),
    (94, "b736defc9e627854fef08712cdfebd608bd182acec8f91e72f2bd4bb25f92778"),
    (95, "8d1523d36390308f8898a9f0f380a7d17d47933002f672a62e55fab4459f1d37"),
    (96, "20aa47fafca5863b5fe3ee9fbe5a0ede8bfbbb11c31ee88a66b160572295a1a7"),
    (97, "5c3534500cb0eb62af8138fa99e76ba0f9092204bda20d5adcc5a59e9a3ead38"),
    (98, "222776d154f658e867ff91108b59a67579c2082fd194481e4e6a4db8f52954b7"),
    (99, "303cb4d9086fbb7becfc23350ceeb0276af122cc676ef49e4d0ae333234925ce"),
    (100, "7b1d3b43ebe6deae90f0cec00558f78ddbbe87acaec98113c91a551e4f671f72"),
    (101, "70aa1eac62502046f9553383f5ed0d8aa32affeab7ae4da8d53fc650d3891871"),
    (102, "20d02b5d2399fed04fd659a03e29bc4d3dbbbb0f113000893ba035cc2cdf6c85"),
    (103, "e3f1dd3838fb3f81692e1e64f6170f7fd7f0c1659d6d728924b480aefc302465"),
    (104, "dd8d8a5f630834b90a9664d7e977e24d1c0a99c742a86cc4fa542ae588c1cfb8"),
    (105, "6dce86b43812a1e91b7f8240632fbf3131da7198300a03db0607dab9f8032097"),
    (106, "6330cd6de9531b4a4bd8aaa6ea08e6e8e63b83e4853fa7e0863857483a8de494"),
    (107, "34be38a32728942b2674e3b4a46e3a99982550bcf10a1db632e95a196b4842c5"),
    (108, "edfb25ecf9caa000495194cd9a0d2dfaa07e8b9b894ef4386c772691918d52a3"),
    (109, "9c3adaa9a17ff79af48b0edc47f1672e406b3254b8e5edc8b16fd6f1e4dbc026"),
    (110, "0c43a3e62613cb0431c917bf3f23f80b073dd5159d27c20ac500720896d79ca3"),
    (111, "a88d43813b075effb3a4c4311c407ea90e442cedb5a140f9bbb7fceab9cbb759"),
    (112, "eebb74896a5639e9b6034e927c2803e0b98cb152e5bc8a3b71bf9eed63831a57"),
    (113, "a64296e7d7eaabf5d8a434a35c37e94d085d0d5d8d91dea8847b90f6ffcce61b"),
    (114, "56bbafc9f84e4fb298ed773365a8c209118ff8260aec244d6eb71ee2eeb55c0b"),
    (115, "70116b94a28809d78223a3607737422ac623b9994711113702e2e39b71578c3a"),
    (116, "ed80c335b9f5e5001ffe18419e50e628494dea945a0a03f569e4cc3205664cb5"),
    (117, "a292c4cfc553f1c01be33534520aa0362d378e6aea13d02df09210630813bd69"),
    (118, "b321cd14dea773a7531a279aa9c30913ef643c0bdac70c3533aa3099b1ae7d13"),
    (119, "8e7472c652bc21cec924bb664a80e4c3dba9092be20bbde94cac8d3a017a6d82"),
    (120, "ae18b07cccb79fb3093e2d146fcd0cc1a8ffe726475e05490feabe8910fb8d5c"),
    (121, "720c4b2fbec9e58b760417b27073afe3b776ddeb5071e04d9af6a1663240ce27"),
    (122, "8de1b6aa6a74d74e4de931cd591721e842f0ef78b181c14cd7ac4d563597b782"),
    (123, "9cac73c62b008ad2a6370bafd3793255553d3813eb85e1276442a12545f89240"),
    (124, "947a29156f5f0cf0059f007ff084219fb5c91b102d61d5dd438fb7b7f2ef288c"),
    (125, "b622a20e748e6985375b278b830af14561cd5edcdd2b0da8f56cb89bc3491eaf"),
    (126, "bd57f39f525cb85bf7693b532e9e2b28fca780bb3160fd8409e331542f978007"),
    (127, "818f07545dfecab503067213eb0ec2264684bb78bf98fc9671ab3381c6bdfd5f"),
    (128, "848b4fb604eb67272f85e6ea2cb544dc249cf3c6512c12414cd38c4829717b87"),
    (129, "443d32a7194e1c8a2bee19b5a18b6d271f9047b282f6b6a03eaccf158287f187"),
    (130, "a5f28e0a4c0da5afcf7396ae6e3d95c87de2e7dd25e3be15362eaced194da83c"),
    (131, "08d85220e1d92211395c4b2d6e9742aec1b9b55361b58123e2ab8d00bcf6757d"),
    (132, "31e448fd9750acbb2deaef63fc6f085e3ba051199504ab3074915bd34c29ee45"),
    (133, "4c7ecbdbbabe8e5ddfaa3d152b618176e696d2be42f3d479b7e07a29242db942"),
    (134, "4cf8a582bebe7493e6405f7300d5e0e9970a95f31b00a5d7680094854dd90fa5"),
    (135, "26c2193065f614a9b0144fe51f6c10d7a338de38f41c1ff1c31494fbae3ae8cc"),
    (136, "0042f1970029f643989a016a09df154960b1639ba916559400bdacf17014cfb8"),
    (137, "15eba13e20d600f732acd1b806adb9b0ac3de75a826a1828d6a545a8a7dc211d"),
    (138, "01145f5a9eac10c12b76ec5e14270bcb8b00756a41eb876e8493dae21397c82e"),
    (139, "085aad1ce8671c75babaae3c6d780d62f499823365fafbf01e3438b604593448"),
    (140, "dafd4ed6543ffea72c466dd8c14a5def6b69875ce97c9032646e68cd4f63be28"),
    (141, "80ce947fafda32572bd9a5ced6b13a01ffac1aa2aef000383d8b809aa523e676"),
    (142, "4cd21f2e5cc9a31dcfda0120cf600ea3bffb5fdb2afb71fe9792a79494fda9ce"),
    (143, "2b0f585a6fe644d3faa6471f6a64280013dfbdcb37259e79b6a4bdd7e203dd3b"),
    (144, "f229c9824e32a89fa1aeb52af8e378b3515a0c2e4e9a07d0171a9dbab77aea5d"),
    (145, "96808886454079124565fc2788bf85fd44c45d622b5fe197752a7afe3e799bb7"),
    (146, "6e8c313fdc796f2cd71e553f9d7a7d6e27b89dec92e165ec0834eb7ee8d21776"),
    (147, "cdaa083c01008ca2fc69f301fcd0ba8b9ad257a6004de28a36dcba9345391141"),
    (148, "e1136e525b0729b230407754a7eb60a47aad240d815ed6b1fe2f2a9493ac203b"),
    (149, "fef06a628bbcb73ddc0093daf9a052d6264d192cf311c1dbe7654999950c94b3"),
    (150, "f2538df22608b354d5cbcaa43f0daed3963459238f848d157f35857c643afe5d"),
    (151, "224d563fe663ad33446a55cc2758a3ae0d0a03537edb1d85937ce9ad01ac2080"),
    (152, "84fd5586c218978c46078e0e739b4b6203dabc71012d975036f485ae368e73ef"),
    (153, "35edf240a65602fc0e3c4000a349264aaebc668186a448e7c6c4261eec788e36"),
    (154, "45fc4e0d3ec1f860ca95810b0d0fd9cfcfc254c9aeb54fe0bfb2e0caae089f3c"),
    (155, "4ab0daa5e002d83b2bca95d9371bf7d46c453b8fcc7ef5a35849a13d1350fd8c"),
    (156, "707602079c2db4bd36f144ecb7c801a826e3cfba5f270927ccb2907c137df148"),
    (157, "848143b86948bba82f1801dc9bb102ec3320b3c06aa89aee705fcdc31eb52587"),
    (158, "7b0abc90bd95c1bb5bb460cd00cc5278137753fb14ed6b39832924c1d5f1fbb5"),
    (159, "cc4ded77c44413a6a803617ef7c1a25a814c9da834cdf199bca33b5a1205681f"),
    (160, "fb186fe44f22b9d6ce256b156692e5e02d412c6822a7f90e7da896a905974d7c"),
    (161, "a7168e41c7827a862ebdfb6c99951701057ef255bb417abf7baedd9812be265f"),
    (162, "07b9a43a725827b9be88dc9c46209386ccc130d96195a09f42977094c37bc206"),
    (163, "2449460ee6ab159609be382cc8ec1c43d80a85e9156e4cb2be1b5604fc6ad3ab"),
    (164, "4b3c072e30e5ebfd523b5b203c71fcf6451a074c06aafa07c835fbf800164b12"),
    (165, "ce5ce009c467f72501e546bd2fe91f46eeb5387b73e49400d6c537e444ee579e"),
    (166, "5c2e7412f35a3ac6a3756b012fa6c066e03d0fb61989cb6c0cb70c75d97f0bd1"),
    (167, "afc2e2681ee6acd0164ed9f26b845de63d34d66e2146d74b921a8ffef5e78e81"),
    (168, "89770af26095b097a7888954a948178e6acf69e708383cc8ba1d498a452a7ecd"),
    (169, "3a7d68d9989e08d569051992849d87931170baf2cf0bbc62dc86c025e755be3e"),
    (170, "57315ceaccd50b31e937ca6a39254ed776b139a92b00e709bc7f13ef40383f77"),
    (171, "b1bbb338e896a93df8c7ee34a53bfafea510ebfc379e11df1710d73ce6bf6cb6"),
    (172, "fbcffc249efd99cb85e3eec384efc11fd9292e5825d6b90a37255aecee9ec8fc"),
    (173, "12cd318b23e6cf6757e4baf567edbf1d6a2206aae492e8b76853c3c9cedd0391"),
    (174, "97c8b398151023c0767961fe3c7813d8f1b827f9181290d6241919697bc26a84"),
    (175, "add373b025f536c71ecb45e6056ea57cd9f3aeb0bcfd7735b80a304124efc59e"),
    (176, "ad4ef8f452c57b7883a588a437e1b1daf30ff43d3f14be0ebceb9f426222fd3c"),
    (177, "24950de0867607a21a2b4647cc651445065570612baf548a9061edbaef3a4cc1"),
    (178, "9d989fc9bb76a4fc22a2f7bfac976a2626e8cf8dfc895caaf198fe1851b30e7a"),
    (179, "09ca8ae80200eb073a9cdb1d9e5f98b86f45a536b374532373bfca627e2e3531"),
    (180, "4c8ff927d23c49c1b847139ab435a90792b14428fe7061dfbf98164422269a43"),
    (181, "898686687727a2f0204d3e0d37c19fb33c300a4d86cc507e9dfe0a12590baeed"),
    (182, "32b4e4d42c2cb62a609ba0a1101c91232c5ba940adf42553a3c3c82c250b79a8"),
    (183, "4ecf6b11946a67db20d828f01e00a53037b8ad9c0b801e9d45c743aecb699448"),
    (184, "30b16b4b8510119a2ba343189cbab8bdeecd71c588bd5b751f3c5681e125010d"),
    (185, "9a6d89a88e2bc07ab91a972eb9d1766966f12bc5468f6a26a15dce6e3658bbe8"),
    (186, "298104c8b71b12505564f949b5b54af9edebfd6d06fc0184709f27abcd556be0"),
    (187, "f2686d0034e39552d0350e4a91df95a3ffc4e4e7ef648ed7016ea431f6a7b16a"),
    (188, "f355c0901c3be8266a65766ca9c5bd190c0b66cffeff434d4231df13e7d1cd82"),
    (189, "89915727fb9bf6649ea81f260156ef26761ba3680dacb54eede2fe3c306b849f"),
    (190, "3200ce441c4966ef387cfcd1c92d3f07bf70c6cf6d986d46e0dcca6dd917fec7"),
    (191, "38a35952194abc301a6c4cda1c105b2c9a40dc5ab4b95a8ee43758a35ac6f626"),
    (192, "6a0d0780116f5c0dfe909f85e6e2a3011ad14dffe0d4584251fd684067b8fef2"),
    (193, "49630a82fc9643b09f5ca529e9deffde70d90a43d5363883f3df6dbf3c11ced5"),
    (194, "39a5a9311633756cc7a1d819faf13129c5720fdbb5ad739b0d467bb7262f142a"),
    (195, "d0b04e10eef23b752c343f93f9f7b0ea7e3df8218060bd77514467838153246e"),
    (196, "26f7f73cacf8f59089afc8320750bca82e90b75cc19eb54a60803c2b3e0c82ee"),
    (197, "82fe4571b86e36a699eb7266bd109bb1edfe5d6655c591992677c58bae0d1d3a"),
    (198, "539be579afcdd2154df46e811b512a1cc1ed59e863527c7222a92f2879b333ea"),
    (199, "92268164954adb93f5ec3e2eb2b5a46ec383c746974489b90aa1f877ebff2be2"),
    (255, "5e11d5d57c29cb98214399760dcb264c48a86289ed0a68e7bbb2741b8afd7556"),
    (256, "27ab5f287bbd57c3c65eef080114fad4414fd54f79b829cfcf04f229e3b85eb1"),
    (257, "90abcbfe58747e9d11a55f6126c9a7f908b20c172f1a212d6534e3991bf98bfa"),
    (511, "60fae6a568a33fccc2a64c0af15d011c63c9b091533dca311294ecddce2abb04"),
    (512, "9461aedf784f44ddcc0194ae8055ae199500bcf4ec8b6728c8cdd4483a2f0f5d"),
    (513, "0818e0aa7c2dd581585768cbdf25405d80a3a9513cc817d696e0f9f0faaf286c"),
    (1000, "543d4360b877834aad6c9e9552392fce8926a0fd1f1c04bb6a3ef8bc8ff6f2dc"),
    (4095, "d70ca77f5260e3da01c38e50d925b9898c70d18e0a676ff595ccffd8d43eb4d8"),
    (4096, "5a7ea06bde09d4e9da47c6e4438a324e1788ce301cd9ab68674aff0c23da2922"),
    (4097, "de7e438b95fa8db4216d43f832f5796da852346463b2c2b711ea0b7fae4f9f00"),
    (65537, "b12306e829ac07b829fb107d5d4abb267dc8d0839d2b90b34998d3984e5c6830"),
]

/// (key length, HMAC) with key `xorshiftBytes(seed: 1000 + n, count: n)`, message `xorshiftBytes(seed: 2000 + n,
/// count: 3n + 5)`; from `openssl dgst -sha256 -mac HMAC -macopt hexkey:…` (and `-hmac ""` for the empty key).
let opensslHMACs: [(Int, String)] = [
    (0, "015a1915cbee48656406cf56f2bdf81dd4780d5423e5728ec11eb45ac2ff7636"),
    (1, "ee019f85eb1e9c1c5f5a2bb8d81456c3b5f9fe5f885c265d0f003c68a28db4f3"),
    (31, "89c62c19a5b0ec419487b8ab8e636842c870af5eec399fa7c3051e32ed7e87ec"),
    (32, "eba046afde7ba2ed9249e7c2129eda307b3042b2f83b20a7d8c3f9f9db1d6303"),
    (63, "0a0ba2cc1eea39cbfabb964a031b032fc2caf60b59c6ed0d806ae95728942de7"),
    (64, "7401da6bc084e55bb4a3f6f3b78d51d98bd08f2c61e4e26e2d5ab4a62bdbc57b"),
    (65, "f5a901130952567ce0b0c3b365dfc5509f5f3b3a05683fd9ba0ded6a09ef9361"),
    (100, "6df3e829414da9e45a2e1c8b1f3fdd1117faf76a1d749c3ab1087c9544d7c785"),
    (131, "5c439104944d0899ca9265dc67887c3fbbdb39787205f63c1630608a437c14b9"),
]

@Test func sha256MatchesOpenSSLAtEveryLength() {
    #expect(opensslDigests.count == 211)
    for (length, digest) in opensslDigests {
        let message = xorshiftBytes(seed: UInt32(length + 1), count: length)
        #expect(SHA256.hash(message).hexString == digest, "length \(length)")
        // A slice not starting at 0, and a collection without contiguous storage, take the same path's bytes.
        let padded = [0xAA] + message + [0xBB]
        #expect(SHA256.hash(padded[1..<(length + 1)]).hexString == digest, "length \(length), as a slice")
        #expect(SHA256.hash(message.lazy.map { $0 }).hexString == digest, "length \(length), not contiguous")
    }
}

@Test func hmacMatchesOpenSSLForKeysAroundTheBlockSize() {
    #expect(opensslHMACs.count == 9)
    for (n, mac) in opensslHMACs {
        let key = xorshiftBytes(seed: UInt32(1000 + n), count: n)
        let message = xorshiftBytes(seed: UInt32(2000 + n), count: 3 * n + 5)
        #expect(SHA256.hmac(key: key, message: message).hexString == mac, "key length \(n)")
    }
}

/// The textbook HMAC (key block ⊕ ipad ‖ message, hashed twice), which the in-place version must equal.
@Test func hmacEqualsTheTextbookConstruction() {
    for n in [0, 5, 64, 65, 200] {
        for m in [0, 1, 55, 56, 64, 119, 300] {
            let key = xorshiftBytes(seed: UInt32(7 + n), count: n)
            let message = xorshiftBytes(seed: UInt32(9 + m), count: m)
            var block = key.count > 64 ? SHA256.hash(key) : key
            block += [UInt8](repeating: 0, count: 64 - block.count)
            let inner = SHA256.hash(block.map { $0 ^ 0x36 } + message)
            let expected = SHA256.hash(block.map { $0 ^ 0x5c } + inner)
            #expect(SHA256.hmac(key: key, message: message) == expected, "key \(n), message \(m)")
        }
    }
}

@Test func recordIDStringIsThePrefixOfTheDigestInHex() {
    for length in [0, 1, 40, 55, 56, 64, 100, 300] {
        let message = xorshiftBytes(seed: UInt32(31 + length), count: length)
        let id = message.withUnsafeBytes { SHA256.recordID(bytes: $0) }
        #expect(id == "rec_" + SHA256.hash(message).prefix(16).hexString, "length \(length)")
        #expect(id.utf8.count == 36)
    }
}

/// The array fast path of `hexString` writes the same text as the generic one.
@Test func arrayHexStringMatchesTheGenericOne() {
    var generator = SystemRandomNumberGenerator()
    for length in [0, 1, 2, 15, 16, 31, 32, 33, 64, 255] {
        let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
        #expect(bytes.hexString == bytes.lazy.map { $0 }.hexString, "length \(length)")
        #expect(bytes.hexString.count == 2 * length)
    }
    #expect([0x00, 0x0f, 0xa0, 0xff].hexString == "000fa0ff")
}
